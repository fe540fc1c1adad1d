import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { readToken, saveToken } from './api/token';
import { App } from './App';
import { routeFetch } from './test-fetch';

const UNAUTHORIZED = { status: 401, json: { error: { code: 'missing_token', message: 'this route needs a bearer token (Authorization: Bearer <token>) or x-api-key' } } };

describe('App', () => {
  afterEach(() => saveToken(undefined));

  it('routes by hash: the upload view at #/upload', async () => {
    window.location.hash = '#/upload?patient=P001';
    render(
      <ApiProvider client={createApiClient({ fetch: routeFetch({}).fetch })}>
        <App />
      </ApiProvider>,
    );
    expect(await screen.findByRole('heading', { level: 1, name: 'Upload an imaging session' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Upload' }).getAttribute('aria-current')).toBe('page');
  });

  it('asks for an access token when the API answers 401, keeps it for the tab and sends it as a bearer token', async () => {
    // Prepare
    const recorder = routeFetch({ 'GET /patients': UNAUTHORIZED });
    render(
      <ApiProvider client={createApiClient({ fetch: recorder.fetch })}>
        <App />
      </ApiProvider>,
    );
    // Act
    expect((await screen.findByText(/This server needs an access token/)).textContent).toContain('API key');
    await userEvent.type(screen.getByLabelText('Token'), 'adni_secret');
    await userEvent.click(screen.getByRole('button', { name: 'Use token' }));
    // Assess
    expect(readToken()).toBe('adni_secret');
    expect(recorder.requests[0].authorization).toBeUndefined();
    await createApiClient({ fetch: recorder.fetch }).listPatients().catch(() => undefined);
    expect(recorder.requests.at(-1)?.authorization).toBe('Bearer adni_secret');
  });
});
