import { Link } from '@tanstack/react-router';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { ToastContent } from './live-events';

/** How long a toast stays (ms) while neither pointer nor keyboard focus is on it. */
const TOAST_MS = 8000;
/** At most this many at once: the oldest goes when another comes. */
const MAX_TOASTS = 4;

interface Toast extends ToastContent {
  id: number;
  /** How many toasts of its group it stands for. */
  count: number;
}

/**
 * `all` with `toast` added: a toast of a group already shown replaces that one, counting both (under a
 * new id, so that the live region reads it out and its time starts again).
 */
function added(all: Toast[], toast: ToastContent, id: number): Toast[] {
  const same = toast.group ? all.find((t) => t.group?.key === toast.group!.key) : undefined;
  if (!same || !toast.group) return [...all, { ...toast, id, count: 1 }].slice(-MAX_TOASTS);
  const count = same.count + 1;
  const merged: Toast = {
    tone: toast.tone,
    title: toast.group.many(count),
    group: toast.group,
    id,
    count,
  };
  return [...all.filter((t) => t !== same), merged].slice(-MAX_TOASTS);
}

interface Toasts {
  show(toast: ToastContent): void;
}

const ToastContext = createContext<Toasts>({ show: () => undefined });

/** Shows a toast from anywhere under the signed-in frame. */
export function useToasts(): Toasts {
  return useContext(ToastContext);
}

/**
 * The toasts of the signed-in frame, in a polite live region (read out without interrupting), bottom
 * right. Each can be dismissed (its button, or Escape while focus is in it) and hides by itself after a
 * while — not while the pointer or the keyboard focus is on it, so its link can be reached.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const value = useMemo<Toasts>(
    () => ({
      show: (toast) => {
        const id = next.current++;
        setToasts((all) => added(all, toast, id));
      },
    }),
    [],
  );
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toasts" aria-label="Notifications">
        <div role="status" aria-live="polite" aria-relevant="additions">
          <ul className="toasts__list">
            {toasts.map((toast) => (
              <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
            ))}
          </ul>
        </div>
      </section>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [held, setHeld] = useState(false);
  const { id, link } = toast;
  useEffect(() => {
    if (held) return;
    const timer = setTimeout(() => onDismiss(id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [held, id, onDismiss]);
  const close = () => onDismiss(id);
  return (
    <li
      className={`toast toast--${toast.tone}`}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHeld(false);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      <div className="toast__body">
        <p className="toast__title">{toast.title}</p>
        {toast.detail ? <p className="toast__detail">{toast.detail}</p> : null}
        {link?.to === '/posts/$postId' ? (
          <Link className="toast__link" to={link.to} params={link.params} onClick={close}>
            {link.label}
          </Link>
        ) : link?.to === '/jobs/$jobId' ? (
          <Link className="toast__link" to={link.to} params={link.params} onClick={close}>
            {link.label}
          </Link>
        ) : null}
      </div>
      <button type="button" className="toast__close" aria-label={`Dismiss: ${toast.title}`} onClick={close}>
        <span aria-hidden="true">×</span>
      </button>
    </li>
  );
}
