import { useEffect, useState } from 'react';
import { readToken, saveToken, UNAUTHORIZED_EVENT } from '../api/token';

/**
 * Asks for an access token when the API answers 401 (a local stack bound beyond loopback wants its API key;
 * a cloud deployment wants a token from its identity provider), and lets the user change or forget it.
 */
export function AccessToken() {
  const [open, setOpen] = useState(false);
  const [asked, setAsked] = useState(false);
  const [value, setValue] = useState('');
  const saved = readToken();

  useEffect(() => {
    const onUnauthorized = () => {
      setAsked(true);
      setOpen(true);
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  const apply = (token: string | undefined) => {
    saveToken(token);
    // Every view reads again with the new credential.
    window.location.reload();
  };

  return (
    <div className="access-token">
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {saved ? 'Access token ✓' : 'Access token'}
      </button>
      {open && (
        <form
          className="token-form card"
          aria-label="Access token"
          onSubmit={(e) => {
            e.preventDefault();
            if (value.trim()) apply(value);
          }}
        >
          {asked && (
            <p role="alert">
              {saved ? 'The server refused the saved access token.' : 'This server needs an access token.'} Paste the API key that <code>npm start</code> printed, or a
              token from your sign-in provider.
            </p>
          )}
          <label>
            Token
            <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
          </label>
          <button type="submit" disabled={!value.trim()}>
            Use token
          </button>
          {saved && (
            <button type="button" onClick={() => apply(undefined)}>
              Forget token
            </button>
          )}
        </form>
      )}
    </div>
  );
}
