// The resolve hook of test/helpers/loaded-modules.mjs (runs on the loader's hooks thread).
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}
