import ArgumentParser

/// How a config file is read, shared by `run`, `serve` and `validate`: where its `{{secrets/…}}` come from and
/// what a bare config (no `name`) is called. Declared once, so the three commands take them alike.
struct ConfigFileOptions: ParsableArguments {
    @Option(help: "A JSON file of secrets: {\"scope/key\": \"value\"}.")
    var secrets: String?

    @Option(help: "The endpoint name for a bare config (default: the file name).")
    var name: String?
}
