import ABCore
import ABProviders

/// An error in Databricks' shape, `{"error_code": …, "message": …}`, with its HTTP status.
///
/// The MLflow and Databricks clients branch on `error_code` and retry 429, 500, 502, 503 and 504 for minutes, so
/// those statuses are sent only for a real condition (a rate limit hit, a provider down), never for a bad request.
public struct ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    /// Seconds, for the `Retry-After` header of a 429.
    public var retryAfter: Double?

    public init(status: Int, code: String, message: String, retryAfter: Double? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// A `Retry-After` value in whole seconds, at least 1 and at most a day, whatever the wait was.
    public static func retryAfterHeader(_ seconds: Double) -> String {
        String(max(1, Int(saturating: min(seconds, 86_400).rounded(.up))))
    }

    public static func tooLarge(limit: Int) -> ServingError {
        ServingError(
            status: 413, code: "BAD_REQUEST",
            message: "the request body is over \(limit) bytes (serve's --max-body-bytes)")
    }

    public var json: String {
        JSONValue.object(JSONObject(["error_code": .string(code), "message": .string(message)])).rendered()
    }

    /// The error as the API that was called writes its errors: an OpenAI SDK reads `{"error": {"message", "type",
    /// "code"}}`, an Anthropic SDK `{"type": "error", "error": {...}}`, Databricks' clients `{"error_code",
    /// "message"}`.
    public func body(_ shape: ErrorShape) -> String {
        switch shape {
        case .databricks: json
        case .anthropic: MessagesWire.error(self)
        case .openAI:
            JSONValue.object(
                JSONObject([
                    "error": [
                        "message": .string(message), "type": .string(openAIType), "param": .null,
                        "code": .string(code.lowercased()),
                    ]
                ])
            ).rendered()
        }
    }

    /// OpenAI's error `type` for the status.
    var openAIType: String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 500...: "server_error"
        default: "invalid_request_error"
        }
    }

    public static func notFound(endpoint name: String) -> ServingError {
        ServingError(
            status: 404, code: "RESOURCE_DOES_NOT_EXIST",
            message: "Endpoint with name '\(name)' does not exist.")
    }

    public static func alreadyExists(endpoint name: String) -> ServingError {
        ServingError(
            status: 409, code: "RESOURCE_ALREADY_EXISTS",
            message: "Endpoint with name '\(name)' already exists.")
    }

    /// A create past `--max-endpoints`: a 400 (Databricks' `RESOURCE_LIMIT_EXCEEDED`), which clients do not retry
    /// as they would a 429.
    public static func tooManyEndpoints(limit: Int) -> ServingError {
        ServingError(
            status: 400, code: "RESOURCE_LIMIT_EXCEEDED",
            message:
                "abtop serve holds at most \(limit) endpoints (--max-endpoints); delete one, or restart serve with a "
                + "larger --max-endpoints")
    }

    public static func invalid(_ message: String) -> ServingError {
        ServingError(status: 400, code: "INVALID_PARAMETER_VALUE", message: message)
    }

    public static func badRequest(_ message: String) -> ServingError {
        ServingError(status: 400, code: "BAD_REQUEST", message: message)
    }

    /// Every error in a config, one per line, as `abtop validate` prints them (path, message, fix).
    public static func config(_ issues: ConfigIssues) -> ServingError {
        let errors = issues.errors
        return invalid(
            "the endpoint config has \(errors.count) error\(errors.count == 1 ? "" : "s"):\n"
                + errors.map(\.description).joined(separator: "\n"))
    }

    public static func rateLimited(_ message: String, retryAfter: Double) -> ServingError {
        ServingError(status: 429, code: "REQUEST_LIMIT_EXCEEDED", message: message, retryAfter: retryAfter)
    }

    public static let unauthenticated = ServingError(
        status: 401, code: "UNAUTHENTICATED",
        message: "Authorization: Bearer <token> is required; pass the token abtop serve was started with (--token)")

    public static func notFound(path: String) -> ServingError {
        ServingError(status: 404, code: "ENDPOINT_NOT_FOUND", message: "No API found for '\(path)'")
    }

    /// A provider's failure after retries and fallbacks, passed on with the status that says what happened: the
    /// request's own fault (4xx) as 400, the provider's limit as 429, the provider down or slow as 502–504.
    public static func upstream(_ error: ProviderError, entity: String) -> ServingError {
        let message = "served entity '\(entity)' failed (\(error.kind.rawValue)): \(error.message)"
        switch error.kind {
        case .rateLimited:
            return rateLimited(message, retryAfter: error.retryAfter ?? 1)
        case .overloaded:
            // Anthropic's 529 with no hint still gets one: clients back off by it instead of hammering.
            return ServingError(
                status: 503, code: "TEMPORARILY_UNAVAILABLE", message: message,
                retryAfter: error.retryAfter ?? 1)
        case .timeout:
            return ServingError(status: 504, code: "DEADLINE_EXCEEDED", message: message)
        case .http4xx:
            return badRequest(message)
        case .cancelled:
            return ServingError(status: 503, code: "TEMPORARILY_UNAVAILABLE", message: message)
        case .http5xx, .connect, .tls, .streamBroken, .malformed, .tooLarge:
            return ServingError(status: 502, code: "INTERNAL_ERROR", message: message)
        }
    }
}

/// Which API's error shape an answer takes: the one of the door the request came in by.
public enum ErrorShape: Sendable {
    case databricks, openAI, anthropic

    /// The shape for a request path: `/v1/messages` Anthropic's; the OpenAI-compatible paths (`/v1/…`,
    /// `/chat/completions`, `/serving-endpoints/chat/completions`, …) OpenAI's; the rest (the REST API,
    /// `/serving-endpoints/{name}/invocations`) Databricks'.
    public static func of(_ segments: [String]) -> ErrorShape {
        if segments.last == "messages", segments.count <= 2 { return .anthropic }
        if segments.first == "v1" || segments.first == "chat" { return .openAI }
        if segments.first == "serving-endpoints", segments.count == 3, segments[2] != "invocations" { return .openAI }
        if segments.first == "serving-endpoints", segments.count == 2 { return .openAI }  // …/embeddings, …/models
        return .databricks
    }
}
