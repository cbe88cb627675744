import ABCore
import Testing

@Suite struct PriceTableTests {
    @Test func configOverridesThenLongestBuiltInPrefix() {
        let table = PriceTable(overrides: ["gpt-4": Price(inputPerMillion: 1, outputPerMillion: 2)])
        #expect(table.price(for: "gpt-4") == Price(inputPerMillion: 1, outputPerMillion: 2))
        #expect(table.price(for: "claude-3-opus-20240229") == Price(inputPerMillion: 15, outputPerMillion: 75))
        #expect(table.price(for: "gpt-4o-mini-2024-07-18") == Price(inputPerMillion: 0.15, outputPerMillion: 0.6))
        #expect(table.price(for: "my-local-model") == nil)
        #expect(table.cost(model: "claude-3-opus-20240229", inputTokens: 1_000_000, outputTokens: 2_000_000) == 165)
    }
}
