import AEStudy
import XCTest

final class StudyModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertNotNil(AEStudy.self as Any) }
}
