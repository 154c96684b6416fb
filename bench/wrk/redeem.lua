-- A partner desk scanning passes: each request presents another pass with a fresh nonce.
-- Each line of $TBC_BENCH_ITEMS is the JSON members that name one (`"code":"…"`, or the
-- floor's `"pass_id":…,"site_id":"…"`), the lines split between wrk's threads; posted to
-- $TBC_BENCH_PATH (the scans' route unless told), with $TBC_BENCH_BEARER if set.
local path = os.getenv("TBC_BENCH_PATH") or "/api/v1/redemptions"
local bearer = os.getenv("TBC_BENCH_BEARER")
local run = os.getenv("TBC_BENCH_RUN")
local items = {}
for line in io.lines(os.getenv("TBC_BENCH_ITEMS")) do
  items[#items + 1] = line
end

dofile(os.getenv("TBC_BENCH_WRK") .. "/threads.lua")

local headers = { ["Content-Type"] = "application/json" }
if bearer and bearer ~= "" then
  headers["Authorization"] = "Bearer " .. bearer
end
local sent = 0
local count = tonumber(os.getenv("TBC_BENCH_THREADS"))

function request()
  local index = id + 1 + sent * count
  sent = sent + 1
  local item = items[((index - 1) % #items) + 1]
  local body = string.format('{%s,"nonce":"%s-%d-%d"}', item, run, id, sent)
  return wrk.format("POST", path, headers, body)
end
