/// Figures embedded in run reports (drawn by the plotting module when it is available).
enum ReportFigures {
    /// Draws the report's figures next to the run and returns (caption, relative path) pairs.
    static func draw(runPath: String) throws -> [(String, String)] { [] }
}
