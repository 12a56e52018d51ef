import { useEffect, useId, useRef, type ReactNode } from 'react';

const FOCUSABLE =
  'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea, button:not([disabled]), a[href]';

/**
 * A modal dialog on the browser's own `<dialog>`: focus moves into it and returns after, Escape closes
 * it, the page behind is inert. Rendered only while `open`.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  if (!open) return null;
  return (
    <OpenDialog title={title} onClose={onClose} footer={footer}>
      {children}
    </OpenDialog>
  );
}

/**
 * What an action produced (a secret shown once, a link to pass on), closed with Done; `actions` stand
 * before Done, e.g. "Invite another".
 */
export function ResultDialog({
  open = true,
  title,
  onClose,
  actions,
  children,
}: {
  open?: boolean;
  title: string;
  onClose: () => void;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          {actions}
          <button type="button" className="button button--primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}

function OpenDialog({
  title,
  onClose,
  children,
  footer,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // The browser focuses the first focusable element, the close button; the content's first control
    // (a form's first field, a secret's copy button) or else the footer's first button is more useful.
    const first = [dialog.querySelector('.dialog__body'), dialog.querySelector('.dialog__footer')]
      .map((part) => part?.querySelector<HTMLElement>(FOCUSABLE))
      .find(Boolean);
    first?.focus();
    const cancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId}>
      <div className="dialog__header">
        <h2 id={titleId} className="dialog__title">
          {title}
        </h2>
        <button type="button" className="dialog__close" aria-label="Close" onClick={() => close.current()}>
          ×
        </button>
      </div>
      <div className="dialog__body">{children}</div>
      {footer ? <div className="dialog__footer">{footer}</div> : null}
    </dialog>
  );
}
