export { generationRoutes, type GenerationRouteDeps } from './generation.routes.js';
export { CaptionDraftSchema } from './generation.schemas.js';
export { imagesJobType } from './generation.jobs.js';
export { IMAGES_JOB, type GenerationDeps } from './generation.service.js';
