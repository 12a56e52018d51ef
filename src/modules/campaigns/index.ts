export { CAMPAIGN_STATUSES, type CampaignStatus } from '../../db/tables/campaigns.js';
export {
  campaignsResource,
  createCampaignIn,
  getCampaign,
  findCampaignRow,
  toCampaign,
  startDueCampaigns,
  type Campaign,
} from './campaigns.service.js';
export { CampaignSchema } from './campaigns.schemas.js';
export { campaignsRoutes } from './campaigns.routes.js';
export { campaignStartsTask } from './campaigns.jobs.js';
