/** Moved to components/zoned-time.ts; kept only for the post page's import until it is switched over. */
export { formatInZone, instantToZoned } from '../../components/zoned-time';
