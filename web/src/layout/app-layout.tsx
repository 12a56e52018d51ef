import { useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from '@tanstack/react-router';
import { signOut, switchSession, type Session } from '../api/auth';
import { toProblem } from '../api/problem';
import { sessionQuery } from '../api/session-query';
import { ConnectionIndicator, LiveProvider, ToastProvider } from '../live';
import { AccountMenu } from './account-menu';
import { NAV } from './nav';
import { OrgSwitcher } from './org-switcher';

/**
 * Test mode, like Stripe's: the session acts in the test environment (test keys, sandbox accounts, test
 * data) until switched back. Every query is refetched, since every page shows the chosen environment.
 */
function TestModeSwitch({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const on = session.environment === 'test';
  const toggle = useMutation({
    mutationFn: () => switchSession({ environment: on ? 'live' : 'test' }),
    onSuccess: async (next) => {
      queryClient.setQueryData(sessionQuery.queryKey, next);
      await queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    },
  });
  return (
    <>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        className={`mode-switch${on ? ' mode-switch--on' : ''}`}
        onClick={() => toggle.mutate()}
        disabled={toggle.isPending}
      >
        <span className="mode-switch__track" aria-hidden="true">
          <span className="mode-switch__thumb" />
        </span>
        Test mode
      </button>
      {toggle.isError ? (
        <span className="topbar__error" role="alert">
          {toProblem(toggle.error).message}
        </span>
      ) : null}
    </>
  );
}

/**
 * The signed-in frame: top bar (product, organization, live indicator, test mode, account) and the side
 * navigation, under the live updates (one event stream for the tab, and its toasts).
 */
export function AppLayout() {
  const session = useQuery(sessionQuery);
  const testMode = session.data?.environment === 'test';
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const leave = useMutation({
    mutationFn: signOut,
    onSettled: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    },
  });

  // On a phone the navigation folds behind "Menu" in the top bar. It is open for the page it was opened
  // on: arriving at another page folds it again.
  const pathname = useLocation({ select: (location) => location.pathname });
  const [menuOpenAt, setMenuOpenAt] = useState<string | null>(null);
  const menuOpen = menuOpenAt === pathname;
  const setMenuOpen = (open: boolean) => setMenuOpenAt(open ? pathname : null);
  const menuButton = useRef<HTMLButtonElement>(null);

  return (
    <ToastProvider>
      <LiveProvider>
        <div className={`shell${testMode ? ' shell--test' : ''}`}>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          {testMode ? (
            <div className="test-banner" role="status">
              Test mode: you are viewing test data
            </div>
          ) : null}
          <header className="topbar">
            <button
              ref={menuButton}
              type="button"
              className="topbar__menu"
              aria-expanded={menuOpen}
              aria-controls="main-nav"
              onClick={() => setMenuOpen(!menuOpen)}
            >
              <span className="topbar__menu-icon" aria-hidden="true" />
              Menu
            </button>
            <Link to="/" className="topbar__product">
              <span className="logo" aria-hidden="true">
                A
              </span>
              <span className="topbar__wordmark">Audenci</span>
            </Link>
            {session.data ? <OrgSwitcher session={session.data} className="topbar__org--bar" /> : null}
            <div className="topbar__actions">
              {session.data ? <ConnectionIndicator /> : null}
              {session.data ? <TestModeSwitch session={session.data} /> : null}
              {session.data ? (
                <AccountMenu
                  session={session.data}
                  onSignOut={() => leave.mutate()}
                  signingOut={leave.isPending}
                />
              ) : null}
            </div>
          </header>
          <div className="shell__body">
            <nav
              id="main-nav"
              className={`sidenav${menuOpen ? ' sidenav--open' : ''}`}
              aria-label="Main"
              onKeyDown={(e) => {
                if (e.key === 'Escape' && menuOpen) {
                  setMenuOpen(false);
                  menuButton.current?.focus();
                }
              }}
            >
              {NAV.map((section) => (
                <div className="sidenav__section" key={section.title}>
                  <p className="sidenav__title">{section.title}</p>
                  <ul>
                    {section.items.map((item) => (
                      <li key={item.to}>
                        <Link
                          to={item.to}
                          className="sidenav__link"
                          activeProps={{
                            className: 'sidenav__link sidenav__link--active',
                            'aria-current': 'page',
                          }}
                          // A section stays marked on its inner pages (an endpoint under Webhooks); Overview only on /.
                          activeOptions={{ exact: item.to === '/' }}
                        >
                          {item.label}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
            </nav>
            <main className="shell__main" id="main" tabIndex={-1}>
              <Outlet />
            </main>
          </div>
        </div>
      </LiveProvider>
    </ToastProvider>
  );
}
