-- wrk script: a non-streaming OpenAI chat request, as abtop's engine sends it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.body = '{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Summarise the benefits of connection reuse in HTTP clients."}]}'
