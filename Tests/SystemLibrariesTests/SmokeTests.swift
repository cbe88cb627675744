import CCurl
import CNcurses
import Testing

/// Proves both system libraries are installed, link, and answer (the setup step's job on a fresh machine).
@Suite struct SystemLibrariesSmokeTests {
    @Test func libcurlLinksAndReportsItsVersion() {
        #expect(curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK)
        let version = String(cString: abtop_curl_version_string())
        #expect(version.split(separator: ".").count >= 2, "\(version)")
        let easy = curl_easy_init()
        #expect(easy != nil)
        #expect(abtop_easy_setopt_long(easy, CURLOPT_VERBOSE, 0) == CURLE_OK)
        curl_easy_cleanup(easy)
    }

    @Test func ncursesLinksAndReportsItsVersion() {
        let version = String(cString: curses_version())
        #expect(version.hasPrefix("ncurses "), "\(version)")
        #expect(abtop_A_BOLD != 0 && abtop_A_REVERSE != abtop_A_BOLD)
    }
}
