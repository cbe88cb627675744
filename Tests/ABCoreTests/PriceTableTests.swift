import ABCore
import ABProviders
import Testing

@Suite struct PriceTableTests {
    @Test func configOverridesThenLongestBuiltInPrefix() {
        let table = PriceTable(
            overrides: ["gpt-4": Price(inputPerMillion: 1, outputPerMillion: 2)], providers: .standard)
        #expect(table.price(for: "gpt-4") == Price(inputPerMillion: 1, outputPerMillion: 2))
        #expect(table.price(for: "claude-3-opus-20240229") == Price(inputPerMillion: 15, outputPerMillion: 75))
        #expect(table.price(for: "gpt-4o-mini-2024-07-18") == Price(inputPerMillion: 0.15, outputPerMillion: 0.6))
        #expect(table.price(for: "my-local-model") == nil)
        #expect(table.cost(model: "claude-3-opus-20240229", inputTokens: 1_000_000, outputTokens: 2_000_000) == 165)
    }

    /// Issue 24: the Gemini, Bedrock and Cohere models abtop speaks have prices (they showed "—").
    @Test func theProvidersAbtopSpeaksHavePrices() {
        let table = PriceTable(providers: .standard)
        #expect(
            table.price(for: "anthropic.claude-3-5-sonnet-20240620-v1:0")
                == Price(inputPerMillion: 3, outputPerMillion: 15))
        #expect(
            table.price(for: "us.anthropic.claude-3-5-haiku-20241022-v1:0")
                == Price(inputPerMillion: 0.8, outputPerMillion: 4))
        #expect(table.price(for: "amazon.nova-pro-v1:0") == Price(inputPerMillion: 0.8, outputPerMillion: 3.2))
        #expect(table.price(for: "amazon.titan-embed-text-v2:0")?.inputPerMillion == 0.02)
        #expect(table.price(for: "gemini-1.5-flash-002") == Price(inputPerMillion: 0.075, outputPerMillion: 0.3))
        #expect(table.price(for: "gemini-2.0-flash-lite-001")?.inputPerMillion == 0.075, "the longest family wins")
        #expect(table.price(for: "command-r-plus-08-2024")?.outputPerMillion == 10)
        #expect(table.price(for: "command-r") == Price(inputPerMillion: 0.15, outputPerMillion: 0.6))
        #expect(table.price(for: "meta.llama3-1-70b-instruct-v1:0")?.inputPerMillion == 0.72)
    }
}
