-- wrk script: distinct non-streaming chat requests (worst case for any per-prompt state), stopping after
-- `limit` responses per thread. Usage: wrk -t2 -c64 -d60s -s counted.lua URL -- LIMIT_PER_THREAD
local counter = 0
local limit = 0
local id = 0

function init(args)
  limit = tonumber(args[1] or "5000")
  id = math.random(1, 1000000000)
end

function request()
  counter = counter + 1
  local body = '{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Question ' .. id .. '-' .. counter .. ': how do caches work?"}]}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer sk-bench"}, body)
end

local responses = 0
function response(status, headers, body)
  responses = responses + 1
  if responses >= limit then wrk.thread:stop() end
end
