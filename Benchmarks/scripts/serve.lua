-- wrk script: a chat invocation of `abtop serve`'s endpoint "bench", as the MLflow client sends it.
-- wrk itself reports non-2xx answers ("Non-2xx or 3xx responses") and socket errors.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection reuse in HTTP clients."}]}'
