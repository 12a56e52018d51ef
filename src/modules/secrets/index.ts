export { rotateSecrets, type RotateBoxes, type RotateProgress, type RotateReport } from './secrets.rotate.js';
