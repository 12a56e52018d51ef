/**
 * Live updates: the signed-in tab's event stream, the toasts it shows and the header's connection
 * indicator (docs/web-app.md, "Live updates"). Pages listen with `useLiveEvents`.
 */
export { LiveProvider, useLiveEvents, useLiveStatus, type LiveStatus } from './live-provider';
export { ToastProvider, useToasts } from './toasts';
export { ConnectionIndicator } from './connection-indicator';
export { staleKeys, toastFor } from './live-events';
import './live.css';
