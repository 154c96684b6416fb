-- Numbers wrk's threads 0, 1, … (the global `id` of each), so that every thread sends
-- requests of its own: loaded by the scripts with dofile($TBC_BENCH_WRK/threads.lua).
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
