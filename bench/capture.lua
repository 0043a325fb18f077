-- wrk script of the capture benchmark (bench/capture.py runs it; see bench/README in the
-- README's Performance section). Every request posts an e-mail of its own; a share of them
-- (the third argument) repeats an e-mail this thread already sent, which exercises dedupe.
-- Each thread counts the requests it sent and the statuses answered, and keeps the lead id of
-- every 201; done() writes them to the file named by BENCH_WRK_OUT, one fact a line, so the
-- harness can compare what the clients were told with the rows stored.
--
-- wrk -t1 -c8 -d3s -s bench/capture.lua URL -- <e-mail prefix> <json|form> <repeat share>

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1]
  format = args[2]
  repeat_share = tonumber(args[3] or "0")
  sent = 0
  statuses = {}
  created = {}
  emails = {}
  math.randomseed(tid * 7919)
  if format == "json" then
    wrk.headers["Content-Type"] = "application/json"
  else
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

function request()
  local email
  if #emails > 0 and math.random() < repeat_share then
    email = emails[math.random(#emails)]
  else
    email = string.format("%s-%d-%d@visitors.example", prefix, tid, sent)
    emails[#emails + 1] = email
  end
  sent = sent + 1
  local body
  if format == "json" then
    body = '{"email":"' .. email .. '","first_name":"Vi","last_name":"Sitor","company":"Loopback Ltd",'
      .. '"utm_source":"google","utm_medium":"cpc","utm_campaign":"c00001"}'
  else
    body = "email=" .. email .. "&first_name=Vi&last_name=Sitor&company=Loopback+Ltd"
  end
  return wrk.format("POST", nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local id = string.match(body, '"lead_id"%s*:%s*(%d+)')
    created[#created + 1] = tonumber(id or "-1")
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("BENCH_WRK_OUT"), "w"))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("answered %d\n", summary.requests))
  out:write(string.format("p50_us %d\n", latency:percentile(50)))
  out:write(string.format("p99_us %d\n", latency:percentile(99)))
  local e = summary.errors
  out:write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  for _, thread in ipairs(threads) do
    out:write(string.format("sent %d\n", thread:get("sent")))
    for status, count in pairs(thread:get("statuses")) do
      out:write(string.format("status %d %d\n", status, count))
    end
    for _, id in ipairs(thread:get("created")) do
      out:write(string.format("created %d\n", id))
    end
  end
  out:close()
end
