-- A GET with the staff bearer of $TBC_BENCH_BEARER (none for public routes).
local bearer = os.getenv("TBC_BENCH_BEARER")
if bearer and bearer ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. bearer
end
