import AEAnalysis
import XCTest

final class AnalysisModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(AEAnalysis.self as Any) }
}
