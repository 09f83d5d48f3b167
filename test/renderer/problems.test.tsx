import { act, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import {
  buildItemError,
  buildState,
  createFakeApi,
  desktopCapabilities,
  headlessCapabilities,
  idleConnector,
} from './fixtures.js';
import type { Capabilities } from '../../shared/contract.js';
import { renderDashboard } from './render.js';

const state = buildState({
  connectors: [
    idleConnector({ id: 'notes', name: 'Notes', itemErrors: 2 }),
    idleConnector({ id: 'mail', name: 'Mail', itemErrors: 1 }),
  ],
});

const items = [
  buildItemError({
    connectorId: 'notes',
    path: '/home/ada/Notes/secret.pdf',
    code: 'E_ENCRYPTED',
    message: 'The PDF is encrypted',
  }),
  buildItemError({
    connectorId: 'notes',
    path: '/home/ada/Notes/huge.mp4.md',
    code: 'E_TOO_LARGE',
    message: 'Larger than 10 MB',
    severity: 'warning',
  }),
  buildItemError({
    connectorId: 'mail',
    path: '/home/ada/Maildir/cur/17',
    code: 'E_PARSE',
    message: 'Bad MIME boundary',
  }),
];

async function setup(capabilities: Capabilities = desktopCapabilities) {
  const fake = createFakeApi({ state, capabilities });
  fake.api.itemErrors.mockImplementation((id) =>
    Promise.resolve(items.filter((i) => id === null || i.connectorId === id)),
  );
  const r = await renderDashboard({ fake, view: 'problems' });
  await screen.findAllByRole('listitem');
  return r;
}

const list = () => screen.getByRole('list', { name: 'Problems list' });

describe('Problems', () => {
  it('lists each item with path, code, message and severity in words', async () => {
    await setup();
    const rows = within(list()).getAllByRole('listitem');
    expect(rows).toHaveLength(3);
    expect(rows[0].textContent).toContain('/home/ada/Notes/secret.pdf');
    expect(rows[0].textContent).toContain('E_ENCRYPTED');
    expect(rows[0].textContent).toContain('The PDF is encrypted');
    expect(rows[0].textContent).toContain('Error');
    expect(rows[0].textContent).toContain('Notes');
    expect(rows[1].textContent).toContain('Warning');
    expect(screen.getByRole('button', { name: /^Problems/ }).textContent).toBe('Problems, 3');
  });

  it('filters by connector (asking the core), by text and by code', async () => {
    const { user, api } = await setup();
    await user.selectOptions(screen.getByLabelText('Connector'), 'Mail');
    expect(api.itemErrors).toHaveBeenLastCalledWith('mail');
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(1));
    await user.selectOptions(screen.getByLabelText('Connector'), 'All connectors');
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(3));

    await user.type(screen.getByLabelText('Filter problems'), 'encrypted');
    expect(
      within(list())
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.problem__path')?.textContent),
    ).toEqual(['/home/ada/Notes/secret.pdf']);
    expect(screen.getByText('1 of 3 problems')).toBeTruthy();
    await user.clear(screen.getByLabelText('Filter problems'));

    await user.selectOptions(screen.getByLabelText('Code'), 'E_TOO_LARGE');
    expect(within(list()).getAllByRole('listitem')).toHaveLength(1);
    expect(list().textContent).toContain('Larger than 10 MB');
  });

  it('filters by severity', async () => {
    const { user } = await setup();
    const paths = () =>
      within(list())
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.problem__path')?.textContent);
    await user.selectOptions(screen.getByLabelText('Severity'), 'Warnings only');
    expect(paths()).toEqual(['/home/ada/Notes/huge.mp4.md']);
    await user.selectOptions(screen.getByLabelText('Severity'), 'Errors only');
    expect(paths()).toEqual(['/home/ada/Notes/secret.pdf', '/home/ada/Maildir/cur/17']);
    expect(screen.getByText('2 of 3 problems')).toBeTruthy();
    await user.selectOptions(screen.getByLabelText('Severity'), 'Errors and warnings');
    expect(paths()).toHaveLength(3);
  });

  it('desktop: each problem opens in the OS, asked for as the listed problem', async () => {
    const { user, api } = await setup(desktopCapabilities);
    await user.click(screen.getByRole('button', { name: 'Open /home/ada/Maildir/cur/17' }));
    expect(api.openItem).toHaveBeenCalledWith({
      kind: 'problem',
      connectorId: 'mail',
      path: '/home/ada/Maildir/cur/17',
    });
  });

  it('desktop: says why a file was not opened', async () => {
    const { user, api } = await setup(desktopCapabilities);
    api.openItem.mockRejectedValueOnce(
      new Error(
        "Error invoking remote method 'shell:open-item': OpenRefusedError: The file is marked as executable, and programs are never opened from here.",
      ),
    );
    await user.click(screen.getByRole('button', { name: 'Open /home/ada/Notes/secret.pdf' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      "Couldn't open /home/ada/Notes/secret.pdf: The file is marked as executable, and programs are never opened from here.",
    );
  });

  it('headless: paths are text only', async () => {
    await setup(headlessCapabilities);
    expect(screen.queryByRole('button', { name: /^Open/ })).toBeNull();
  });

  it('a file no longer retried automatically has a Retry that reads it again now; others have none', async () => {
    const fake = createFakeApi({ state, capabilities: headlessCapabilities });
    let quarantined = true;
    const photo = '/home/ada/Notes/photo.md';
    fake.api.itemErrors.mockImplementation(() =>
      Promise.resolve([
        buildItemError({
          path: photo,
          code: 'E_BINARY',
          message: 'This file holds binary data. Not retried automatically: it failed 3 times in a row.',
          attempts: 3,
          quarantined,
        }),
        items[2],
      ]),
    );
    fake.api.retryItem.mockImplementation(() => {
      quarantined = false;
      return Promise.resolve({ accepted: true });
    });
    const { user, api } = await renderDashboard({ fake, view: 'problems' });
    await screen.findAllByRole('listitem');
    expect(screen.getAllByRole('button', { name: /^Retry/ }).map((b) => b.getAttribute('aria-label'))).toEqual([
      `Retry ${photo}`,
    ]);

    await user.click(screen.getByRole('button', { name: `Retry ${photo}` }));
    expect(api.retryItem).toHaveBeenCalledWith('notes', photo);
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Retry/ })).toBeNull());
  });

  it('says so when there is nothing wrong', async () => {
    await renderDashboard({ state: buildState({ connectors: [idleConnector()] }), view: 'problems' });
    expect((await screen.findByTestId('no-problems')).textContent).toContain('No problems');
  });

  it('a failed load is an alert', async () => {
    const fakeState = buildState({ connectors: [idleConnector()] });
    const { api, store } = await renderDashboard({ state: fakeState, view: 'problems' });
    api.itemErrors.mockRejectedValueOnce(new Error('database is locked'));
    await store.getState().loadErrors(null);
    expect((await screen.findByRole('alert')).textContent).toBe("Couldn't load the problems: database is locked");
  });
});

describe('Problems, focus', () => {
  it('after Retry removes the item (and its button), focus is on the view heading, not on <body>', async () => {
    const fake = createFakeApi({ state, capabilities: headlessCapabilities });
    let quarantined = true;
    const photo = '/home/ada/Notes/photo.md';
    fake.api.itemErrors.mockImplementation(() =>
      Promise.resolve(quarantined ? [buildItemError({ path: photo, attempts: 3, quarantined }), items[2]] : [items[2]]),
    );
    fake.api.retryItem.mockImplementation(() => {
      quarantined = false;
      return Promise.resolve({ accepted: true });
    });
    const { user } = await renderDashboard({ fake, view: 'problems' });
    await user.click(await screen.findByRole('button', { name: `Retry ${photo}` }));
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Retry/ })).toBeNull());
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Problems' })));
  });

  it('while Retry is asked, the button keeps focus (aria-disabled, not disabled) and a second press sends nothing', async () => {
    const fake = createFakeApi({ state, capabilities: headlessCapabilities });
    const photo = '/home/ada/Notes/photo.md';
    fake.api.itemErrors.mockResolvedValue([buildItemError({ path: photo, attempts: 3, quarantined: true })]);
    let answer = (): void => undefined;
    fake.api.retryItem.mockImplementation(() => new Promise((resolve) => (answer = () => resolve({ accepted: true }))));
    const { user, api } = await renderDashboard({ fake, view: 'problems' });
    const retry = await screen.findByRole('button', { name: `Retry ${photo}` });
    await user.click(retry);
    await waitFor(() => expect(retry.getAttribute('aria-disabled')).toBe('true'));
    expect((retry as HTMLButtonElement).disabled).toBe(false);
    await user.click(retry);
    expect(api.retryItem).toHaveBeenCalledTimes(1);
    act(() => answer());
  });
});
