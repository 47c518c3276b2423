-- wrk's script for bench/vs_barbican.py's write scenarios, one connection a wrk thread (-t N -c N):
--
--   wrk -t1 -c1 -d5s -s bench/wrk_writes.lua -H 'X-Project-Id: ...' URL -- post /v1/secrets BODY_FILE 201
--   wrk -t1 -c1 -d5s -s bench/wrk_writes.lua -H 'X-Project-Id: ...' URL -- order /v1/orders BODY_FILE
--
-- "post": POST the body again and again; a unit is an answer of the expected status.
-- "order": POST an order, then GET it until it is ACTIVE (1 ms between two GETs that find it PENDING);
-- a unit is an order seen ACTIVE. done() prints "units N failed N seconds S".
--
-- Each wrk thread has its own Lua state and, with as many threads as connections, its own connection:
-- the state below is that connection's. A unit that fails (another status, an order neither PENDING nor
-- ACTIVE, or PENDING for MAX_POLLS GETs) counts as failed and the next unit begins.

local MAX_POLLS = 10000
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   mode, path = args[1], args[2]
   local file = assert(io.open(args[3], "rb"))
   local body = file:read("*a")
   file:close()
   expected = tonumber(args[4] or "202")
   post = wrk.format("POST", path, nil, body)
   units, failed = 0, 0
   order, polls, wait = nil, 0, 0
end

function request()
   if order ~= nil then
      return wrk.format("GET", order)
   end
   return post
end

function delay()
   local ms = wait
   wait = 0
   return ms
end

local function fail()
   failed = failed + 1
   order = nil
end

function response(status, headers, body)
   if mode == "post" then
      if status == expected then units = units + 1 else failed = failed + 1 end
      return
   end
   if order == nil then
      if status ~= 202 then return fail() end
      order = body:match('"order_ref"%s*:%s*"[^"]-(/v1/orders/[^"/]+)"')
      polls = 0
      if order == nil then return fail() end
      return
   end
   local state = status == 200 and body:match('"status"%s*:%s*"(%u+)"')
   if state == "ACTIVE" then
      units = units + 1
      order = nil
   elseif state == "PENDING" and polls < MAX_POLLS then
      polls = polls + 1
      wait = 1
   else
      fail()
   end
end

function done(summary, latency, requests)
   local total, bad = 0, 0
   for _, thread in ipairs(threads) do
      total = total + thread:get("units")
      bad = bad + thread:get("failed")
   end
   io.write(string.format("units %d failed %d seconds %.6f\n", total, bad, summary.duration / 1e6))
end
