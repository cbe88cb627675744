import Foundation
import Testing

/// The HTML report in a real browser: headless Chromium (installed by `make test`'s setup) loads it, its DOM holds
/// the three charts, and it prints to PDF.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HTMLReportBrowserSerialTests {
    func chromium(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let out = AbtopBinary.scratch.appendingPathComponent("chromium-\(UUID().uuidString).out")
        let err = AbtopBinary.scratch.appendingPathComponent("chromium-\(UUID().uuidString).err")
        let p = try ChildProcess(
            "/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] + args,
            environment: ProcessInfo.processInfo.environment, stdout: .file(out.path), stderr: .file(err.path))
        let status = p.wait()
        return (
            status, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }

    @Test func theReportOpensInAHeadlessBrowserWithItsCharts() async throws {
        let (server, port) = try await RunCommandTests.mockServer()
        defer { server.terminate() }
        let db = AbtopBinary.scratch.appendingPathComponent("html-\(UUID().uuidString).sqlite").path
        let html = AbtopBinary.scratch.appendingPathComponent("report-\(UUID().uuidString).html").path
        let run = try await AbtopBinary.run(
            [
                "run", try RunCommandTests.endpoint(port: port), "--headless", "--quiet",
                "--requests", "60", "--store", db, "--report", html,
            ], environment: RunCommandTests.keys)
        #expect(run.status == 0, "\(run.stderr)")
        let dom = try chromium(["--dump-dom", "file://" + html])
        #expect(dom.status == 0, "\(dom.err)")
        #expect(dom.out.components(separatedBy: "<svg").count - 1 == 3 && dom.out.contains("<polyline"))
        #expect(dom.out.contains("Is the difference real?"))
        #expect(!dom.err.contains("Uncaught") && !dom.err.contains("ERR_FILE_NOT_FOUND"))
        let pdf = AbtopBinary.scratch.appendingPathComponent("report-\(UUID().uuidString).pdf").path
        let printed = try chromium(["--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + html])
        #expect(printed.status == 0, "\(printed.err)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        #expect(bytes.count > 10_000 && bytes.starts(with: Data("%PDF".utf8)))
    }
}
