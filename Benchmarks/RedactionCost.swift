import ABCore

/// `Benchmarks redaction`: what the redactor costs per answer byte with 1, 100 and 4,096 registered secrets, for a
/// whole answer (`redact`) and for a stream of 40-byte chunks (`Stream.push`, which holds back what may begin a
/// secret). The automaton matches every secret in one pass, so each figure must stay flat as secrets are added
/// (old code walked every secret at every byte: 8.4 s for a 16 KB answer at 4,096 secrets).
func redactionCost() {
    var rng = SplitMix64(seed: 5)
    let words = ["the ", "cache ", "keeps ", "recent ", "answers ", "close ", "to ", "readers, ", "sk ", "dapi "]
    var answer = ""
    while answer.utf8.count < 16_384 { answer += words[Int(rng.below(words.count))] }
    let chunks = stride(from: 0, to: answer.count, by: 40).map { start -> String in
        let from = answer.index(answer.startIndex, offsetBy: start)
        return String(answer[from..<(answer.index(from, offsetBy: 40, limitedBy: answer.endIndex) ?? answer.endIndex)])
    }
    let bytes = answer.utf8.count
    for count in [1, 100, 4_096] {
        // Keys as providers issue them: a prefix and 40 random characters.
        let secrets = (0..<count).map { i -> String in
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
            let tail = (0..<40).map { _ in alphabet[rng.below(36)] }
            return "sk-\(i)-" + String(tail)
        }
        let lease = try! SecretRedactor.hold(secrets)
        measure("redact a 16 KB answer, \(count) secrets (per byte)", batches: 30, opsPerBatch: bytes) { n in
            var acc = 0
            for _ in 0..<(n / bytes) { acc &+= SecretRedactor.redact(answer).utf8.count }
            return acc
        }
        measure("stream 40-byte chunks, \(count) secrets (per byte)", batches: 30, opsPerBatch: bytes) { n in
            var acc = 0
            for _ in 0..<(n / bytes) {
                var stream = SecretRedactor.Stream()
                for chunk in chunks { acc &+= stream.push(chunk).utf8.count }
                acc &+= stream.finish().utf8.count
            }
            return acc
        }
        lease.release()
    }
}
