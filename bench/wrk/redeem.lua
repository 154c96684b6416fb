-- A partner desk scanning passes: each request presents another pass (its code or its
-- token, one per line of $TBC_BENCH_ITEMS, split between wrk's threads) with a fresh nonce.
local field = os.getenv("TBC_BENCH_FIELD")
local bearer = os.getenv("TBC_BENCH_BEARER")
local run = os.getenv("TBC_BENCH_RUN")
local items = {}
for line in io.lines(os.getenv("TBC_BENCH_ITEMS")) do
  items[#items + 1] = line
end

dofile(os.getenv("TBC_BENCH_WRK") .. "/threads.lua")

local sent = 0
local count = tonumber(os.getenv("TBC_BENCH_THREADS"))

function request()
  local index = id + 1 + sent * count
  sent = sent + 1
  local item = items[((index - 1) % #items) + 1]
  local body = string.format('{"%s":"%s","nonce":"%s-%d-%d"}', field, item, run, id, sent)
  return wrk.format("POST", "/api/v1/redemptions", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. bearer,
  }, body)
end
