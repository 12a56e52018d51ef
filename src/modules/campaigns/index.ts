export { CAMPAIGN_STATUSES, type CampaignStatus } from './campaigns.table.js';
export { getCampaign, findCampaignRow, startDueCampaigns, type Campaign } from './campaigns.service.js';
export { CampaignSchema } from './campaigns.schemas.js';
export { campaignsRoutes } from './campaigns.routes.js';
