-- wrk script: each connection alternates ask (one proposal) and tell (its
-- result), so the pair measures a remote experimenter's round trip.
local pending = nil
local campaign = os.getenv("CAMPAIGN")
-- wrk.format's headers replace wrk's -H ones, so the credential goes here.
local headers = { ["Content-Type"] = "application/json",
                  ["Authorization"] = "Bearer " .. os.getenv("TOKEN") }

request = function()
  if pending == nil then
    return wrk.format("POST", "/api/v1/campaigns/" .. campaign .. "/ask", headers, '{"count": 1}')
  end
  local body = string.format('{"results": [{"trial": %d, "outputs": {"y": 0.5}}]}', pending)
  pending = nil
  return wrk.format("POST", "/api/v1/campaigns/" .. campaign .. "/tell", headers, body)
end

response = function(status, headers, body)
  local index = string.match(body, '"index":%s*(%d+)')
  if index ~= nil and string.find(body, '"trials"') then
    pending = tonumber(index)
  end
end
