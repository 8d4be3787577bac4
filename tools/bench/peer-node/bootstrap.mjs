// A minimal Lambda runtime for the Node.js peer: imports the handler named in
// `_HANDLER` (init), then asks the Runtime API for work, calls the handler
// and posts its answer, forever. It does what the Node.js runtime's own
// bootstrap does and nothing more, so the peer's figures are its own code,
// the AWS SDK for JavaScript v3 and Node.js, not a heavier runtime client.

import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const BASE = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, route, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port, method, path: `${BASE}${route}`, agent, headers: body ? { "Content-Type": "application/json" } : {} },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.setNoDelay(true);
    request.on("error", reject);
    request.end(body);
  });
}

function errorBody(e) {
  return JSON.stringify({ errorMessage: String(e && e.message ? e.message : e), errorType: e && e.name ? e.name : "Error" });
}

const [moduleName, functionName] = process.env._HANDLER.split(".");
let handler;
try {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const module = await import(pathToFileURL(path.join(here, `${moduleName}.mjs`)).href);
  handler = module[functionName];
} catch (e) {
  await call("POST", "/init/error", errorBody(e));
  throw e;
}

for (;;) {
  const next = await call("GET", "/invocation/next");
  const requestId = next.headers["lambda-runtime-aws-request-id"];
  const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
  const context = {
    awsRequestId: requestId,
    invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(JSON.parse(next.body), context);
    await call("POST", `/invocation/${requestId}/response`, JSON.stringify(result));
  } catch (e) {
    console.error(e);
    await call("POST", `/invocation/${requestId}/error`, errorBody(e));
  }
}
