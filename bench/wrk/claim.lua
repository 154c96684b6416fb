-- Visitors declaring a trip: each claim another ticket reference; the passes issued are
-- written one per line ("code token") to $TBC_BENCH_OUT.<thread>, for the scans after.
local day = os.getenv("TBC_BENCH_DAY")
local run = os.getenv("TBC_BENCH_RUN")
local out_prefix = os.getenv("TBC_BENCH_OUT")

dofile(os.getenv("TBC_BENCH_WRK") .. "/threads.lua")

local sent = 0
local out = nil
function init(args)
  out = io.open(out_prefix .. "." .. id, "a")
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"mode":"train","method":"declared_trip","persons":2,"evidence":{"date":"%s",'
      .. '"arrival_stop_id":"StopArea:OCE87613000","arrival_time":"10:42","line":"871234",'
      .. '"ticket_ref":"B%sT%dN%d"}}',
    day, run, id, sent
  )
  return wrk.format("POST", "/api/v1/claims", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then
    local code = string.match(body, '"code":"([A-Z0-9]+)"')
    local token = string.match(body, '"token":"([^"]+)"')
    if code and token then
      out:write(code, " ", token, "\n")
      out:flush()
    end
  end
end
