-- wrk script: POST /v1/charges back to back, a new idempotency key each time, spread over
-- the users bench/server/run.sh created (u0..u{USERS-1}, each with a large wallet).
-- Environment: TOKEN (the bearer token), USERS (default 32), RUN (a prefix keeping keys unique).
local token = os.getenv("TOKEN")
local users = tonumber(os.getenv("USERS") or "32")
local run = os.getenv("RUN") or tostring(os.time())
local nodes = {
  {'{"id":"img","model":"flux-1-schnell","params":{"size":"1024x1024"}}', 1},
  {'{"id":"vid","model":"veo-3","params":{"resolution":"720p","duration_s":4}}', 160},
  {'{"id":"tts","model":"elevenlabs-flash","params":{"characters":1200}}', 6},
  {'{"id":"pic","model":"nano-banana","params":{"num_images":2}}', 8},
}
local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function request()
  counter = counter + 1
  local n = nodes[(counter % #nodes) + 1]
  local user = "u" .. ((counter * 7 + tid) % users)
  local body = '{"user":"' .. user .. '","key":"' .. run .. "-" .. tid .. "-" .. counter ..
               '","node":' .. n[1] .. ',"quoted":' .. n[2] .. ',"rate_card":"2026-11-01"}'
  return wrk.format("POST", "/v1/charges", headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = (bad or 0) + 1
    if bad == 1 then print("status " .. status .. ": " .. body) end
  end
end
