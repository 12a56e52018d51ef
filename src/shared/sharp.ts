import type SharpModule from 'sharp';

let loading: Promise<typeof SharpModule> | undefined;

/**
 * sharp (libvips, tens of megabytes resident once loaded), imported the first time an image is decoded
 * or rendered rather than when the server starts: most processes never touch an image. A failed load is
 * not kept, so the next image tries again (and reports the same error).
 */
export function loadSharp(): Promise<typeof SharpModule> {
  loading ??= import('sharp').then(
    (module) => module.default,
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
