export { getBrand, isTimeZone, requireBrand, type Brand } from './brands.service.js';
export { BrandSchema } from './brands.schemas.js';
export { brandsRoutes } from './brands.routes.js';
