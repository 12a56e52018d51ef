// Preloaded (`node --expose-gc --import …`) into the API processes of the soak test only: SIGUSR2 runs a
// full garbage collection, so that memory is compared after a collection at both ends of the soak
// rather than wherever V8's heap happens to be in its grow-and-collect cycle.
process.on('SIGUSR2', () => globalThis.gc?.());
