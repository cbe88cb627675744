/// Every registered secret matched in one pass over a text (Aho–Corasick over bytes), so redaction costs the same
/// per byte with one secret or four thousand: the redactor's cost must not grow with what a client can register.
///
/// Built once per change of the registered set (a config accepted or gone), read by any number of threads.
struct SecretAutomaton: Sendable {
    /// The trie as sibling lists: node 0 is the root; -1 is "none".
    private var label: [UInt8] = [0]
    private var firstChild: [Int32] = [-1]
    private var nextSibling: [Int32] = [-1]
    /// The longest proper suffix of the node's string that is also a node (the failure link).
    private var fail: [Int32] = [0]
    /// The length of the longest secret that ends at this node's string, 0 for none.
    private var matchLength: [Int32] = [0]
    /// The length of the longest suffix of the node's string that could still grow into a secret: what a stream
    /// relay holds back when a chunk ends in this state.
    private var holdDepth: [Int32] = [0]
    /// The root's children by byte (0: stay at the root), so the commonest step is one load.
    private var rootNext = [Int32](repeating: 0, count: 256)

    static let empty = SecretAutomaton(patterns: [])

    var isEmpty: Bool { label.count == 1 }

    init(patterns: [[UInt8]]) {
        var depth: [Int32] = [0]
        var terminal: [Bool] = [false]
        for pattern in patterns where !pattern.isEmpty {
            var node: Int32 = 0
            for byte in pattern {
                if let next = child(node, byte) {
                    node = next
                    continue
                }
                let new = Int32(label.count)
                label.append(byte)
                firstChild.append(-1)
                nextSibling.append(firstChild[Int(node)])
                firstChild[Int(node)] = new
                depth.append(depth[Int(node)] + 1)
                terminal.append(false)
                if node == 0 { rootNext[Int(byte)] = new }
                node = new
            }
            terminal[Int(node)] = true
        }
        let count = label.count
        fail = [Int32](repeating: 0, count: count)
        matchLength = [Int32](repeating: 0, count: count)
        holdDepth = [Int32](repeating: 0, count: count)
        // Breadth first: a node's failure link is shallower, so it is complete when the node is reached.
        var queue: [Int32] = []
        queue.reserveCapacity(count)
        var c = firstChild[0]
        while c >= 0 {
            queue.append(c)
            c = nextSibling[Int(c)]
        }
        var head = 0
        while head < queue.count {
            let node = Int(queue[head])
            head += 1
            matchLength[node] = terminal[node] ? depth[node] : matchLength[Int(fail[node])]
            holdDepth[node] = firstChild[node] >= 0 ? depth[node] : holdDepth[Int(fail[node])]
            var c = firstChild[node]
            while c >= 0 {
                let byte = label[Int(c)]
                // The root's children fail to the root; deeper ones to the longest suffix that is a node.
                var f = fail[node]
                while true {
                    if let next = child(f, byte) {
                        fail[Int(c)] = next
                        break
                    }
                    if f == 0 {
                        fail[Int(c)] = 0
                        break
                    }
                    f = fail[Int(f)]
                }
                queue.append(c)
                c = nextSibling[Int(c)]
            }
        }
    }

    private func child(_ node: Int32, _ byte: UInt8) -> Int32? {
        if node == 0 {
            let next = rootNext[Int(byte)]
            return next == 0 ? nil : next
        }
        var c = firstChild[Int(node)]
        while c >= 0 {
            if label[Int(c)] == byte { return c }
            c = nextSibling[Int(c)]
        }
        return nil
    }

    private func step(_ state: Int32, _ byte: UInt8) -> Int32 {
        var s = state
        while true {
            if let next = child(s, byte) { return next }
            if s == 0 { return 0 }
            s = fail[Int(s)]
        }
    }

    /// Where secrets occur in `bytes`: merged, sorted, non-overlapping ranges; and how many bytes at the end could
    /// be the start of a secret that the next chunk completes.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (matches: [Range<Int>], hold: Int) {
        guard !isEmpty else { return ([], 0) }
        var matches: [Range<Int>] = []
        var state: Int32 = 0
        for i in 0..<bytes.count {
            state = step(state, bytes[i])
            let length = Int(matchLength[Int(state)])
            guard length > 0 else { continue }
            // Ends only grow; a longer match may start before earlier ones: merge every range it overlaps.
            var start = i + 1 - length
            while let last = matches.last, start < last.upperBound {
                start = min(start, last.lowerBound)
                matches.removeLast()
            }
            matches.append(start..<(i + 1))
        }
        return (matches, Int(holdDepth[Int(state)]))
    }
}
