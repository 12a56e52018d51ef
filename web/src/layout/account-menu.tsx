import { useEffect, useId, useRef, useState } from 'react';
import { Link } from '@tanstack/react-router';
import type { Session } from '../api/auth';
import { OrgSwitcher } from './org-switcher';

/**
 * The account button of the top bar and its menu (a disclosure: Enter or Space opens it, Escape closes it
 * and returns to the button, a click elsewhere closes it): who is signed in, Profile, Sign out. On a
 * phone, where the top bar has no room for it, the organization switcher is here too.
 */
export function AccountMenu({
  session,
  onSignOut,
  signingOut,
}: {
  session: Session;
  onSignOut: () => void;
  signingOut: boolean;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const name = session.user.name || session.user.email;

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div
      className="account"
      ref={root}
      onBlur={(event) => {
        // Tabbing out of the menu closes it, like a click elsewhere.
        if (open && event.relatedTarget && !root.current?.contains(event.relatedTarget as Node))
          setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className="account__button"
        aria-expanded={open}
        aria-controls={`${id}-menu`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="account__avatar" aria-hidden="true">
          {name.trim().charAt(0).toUpperCase()}
        </span>
        <span className="account__name">{name}</span>
        <span className="visually-hidden">, account menu</span>
        <span className="account__caret" aria-hidden="true">
          ▾
        </span>
      </button>
      <div className="account__menu" id={`${id}-menu`} hidden={!open}>
        <div className="account__who">
          <p className="account__who-name">{session.user.name}</p>
          <p className="account__who-email">{session.user.email}</p>
        </div>
        <OrgSwitcher session={session} className="account__org" />
        <ul className="account__items">
          <li>
            <Link to="/profile" className="account__item" onClick={() => setOpen(false)}>
              Profile
            </Link>
          </li>
          <li>
            <button type="button" className="account__item" onClick={onSignOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}
