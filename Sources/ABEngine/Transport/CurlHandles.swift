import ABProviders
import CCurl

/// Header lists built once per header set (`HTTPRequestSpec.headerSetID`) and shared by every transfer that
/// sends it, instead of a list built and freed per request. Loop thread only; freed at shutdown.
final class HeaderLists {
    private var lists: [Int: UnsafeMutablePointer<curl_slist>] = [:]
    private let confinement = ThreadConfinement()

    /// The list for `spec`, and whether the caller must free it (a spec with no set id, or the cache is full).
    func list(for spec: HTTPRequestSpec) -> (list: UnsafeMutablePointer<curl_slist>?, owned: Bool) {
        confinement.check()
        if let id = spec.headerSetID, let cached = lists[id] { return (cached, false) }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in spec.headers {
            list = curl_slist_append(list, "\(name): \(value.exposedForTransport())")
        }
        list = curl_slist_append(list, "Expect:")
        guard let id = spec.headerSetID, lists.count < 4096, let list else { return (list, true) }
        lists[id] = list
        return (list, false)
    }

    func drain() {
        for list in lists.values { curl_slist_free_all(list) }
        lists.removeAll()
    }
}

/// Easy handles kept for reuse (reset between transfers), so a request costs no handle allocation and setup
/// from scratch. Owned by the loop thread.
final class EasyPool {
    private var idle: [UnsafeMutableRawPointer] = []
    private let confinement = ThreadConfinement()

    func take() -> UnsafeMutableRawPointer? {
        confinement.check()
        if let easy = idle.popLast() {
            curl_easy_reset(easy)
            return easy
        }
        return curl_easy_init()
    }

    func give(_ easy: UnsafeMutableRawPointer) {
        confinement.check()
        if idle.count < 1024 { idle.append(easy) } else { curl_easy_cleanup(easy) }
    }

    func drain() {
        for easy in idle { curl_easy_cleanup(easy) }
        idle.removeAll()
    }
}
