import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buildState, desktopCapabilities, headlessCapabilities, idleConnector, syncingConnector } from './fixtures.js';
import { renderDashboard } from './render.js';

const addButtons = () => screen.queryAllByRole('button', { name: 'Add connector' });

describe('Empty state', () => {
  it('explains what to do first, with one Add connector button', async () => {
    await renderDashboard({ state: buildState() });
    const empty = screen.getByTestId('empty-state');
    expect(within(empty).getByRole('heading', { name: 'Nothing is indexed yet' })).toBeTruthy();
    expect(empty.textContent).toContain('a folder, an Obsidian vault, a mailbox or a calendar file');
    expect(addButtons()).toHaveLength(1);
    expect(document.querySelectorAll('section.card')).toHaveLength(0);
  });

  it('is replaced by the cards once a connector exists', async () => {
    const { push } = await renderDashboard({ state: buildState() });
    push(buildState({ connectors: [idleConnector({ name: 'Notes' })] }));
    expect(screen.queryByTestId('empty-state')).toBeNull();
    expect(screen.getByRole('region', { name: 'Notes' })).toBeTruthy();
    expect(addButtons()).toHaveLength(1);
  });
});

describe('AddConnector', () => {
  it('offers every kind with a one-line description; the form replaces the opener', async () => {
    const { user } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    const form = screen.getByRole('form', { name: 'Add a connector' });
    const kinds = within(form).getAllByRole('radio');
    expect(kinds.map((r) => r.getAttribute('value'))).toEqual(['folder', 'obsidian', 'mbox', 'maildir', 'ics']);
    expect(within(form).getByRole('radio', { name: 'Obsidian vault' }).getAttribute('aria-describedby')).toBeTruthy();
    expect(form.textContent).toContain('An Obsidian vault: notes with their links, tags and front matter.');
    expect(document.activeElement).toBe(within(form).getByRole('radio', { name: 'Folder' }));
    // Exactly one control named "Add connector": the form's submit button.
    expect(addButtons()).toHaveLength(1);
    expect(addButtons()[0].getAttribute('type')).toBe('submit');
  });

  it('shows the reason from checkPath inline and does not add', async () => {
    const { user, api } = await renderDashboard({ state: buildState() });
    api.checkPath.mockResolvedValueOnce({ ok: false, message: 'This is a folder, not an mbox file.' });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('radio', { name: 'Mailbox file (mbox)' }));
    const path = screen.getByLabelText('mbox file path');
    await user.type(path, '/home/ada/Mail');
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    const error = await screen.findByTestId('add-error');
    expect(error.textContent).toBe('This is a folder, not an mbox file.');
    expect(path.getAttribute('aria-invalid')).toBe('true');
    expect(path.getAttribute('aria-describedby')).toBe(error.id);
    expect(api.checkPath).toHaveBeenCalledWith('mbox', '/home/ada/Mail');
    expect(api.addConnector).not.toHaveBeenCalled();
    // Editing the path clears the message.
    await user.type(path, '.mbox');
    expect(screen.queryByTestId('add-error')).toBeNull();
  });

  it('an empty path is refused before the core is asked', async () => {
    const { user, api } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    expect((await screen.findByTestId('add-error')).textContent).toMatch(/Enter the path/);
    expect(api.checkPath).not.toHaveBeenCalled();
  });

  it('adds a valid path; the card appears when the core pushes it', async () => {
    const { user, api, push } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('radio', { name: 'Calendar (.ics)' }));
    await user.type(screen.getByLabelText('.ics file path'), '/home/ada/work.ics');
    await user.type(screen.getByLabelText('Name (optional)'), 'Work calendar');
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await waitFor(() =>
      expect(api.addConnector).toHaveBeenCalledWith({ kind: 'ics', path: '/home/ada/work.ics', name: 'Work calendar' }),
    );
    push(buildState({ connectors: [syncingConnector({ name: 'Work calendar', kind: 'ics' })] }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Add a connector' })).toBeNull());
    expect(
      within(screen.getByRole('region', { name: 'Work calendar' })).getByTestId('state-badge').textContent,
    ).toContain('Syncing');
  });

  it('desktop: the native picker fills the path for the chosen kind', async () => {
    const { user, api } = await renderDashboard({ state: buildState(), capabilities: desktopCapabilities });
    api.pickPath.mockResolvedValueOnce('/home/ada/Vault');
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('radio', { name: 'Obsidian vault' }));
    await user.click(screen.getByRole('button', { name: 'Choose…' }));
    expect(api.pickPath).toHaveBeenCalledWith('obsidian');
    await waitFor(() =>
      expect(screen.getByLabelText<HTMLInputElement>('Vault folder path').value).toBe('/home/ada/Vault'),
    );
  });

  it('headless: no picker, the text field only', async () => {
    const { user } = await renderDashboard({ state: buildState(), capabilities: headlessCapabilities });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    expect(screen.queryByRole('button', { name: 'Choose…' })).toBeNull();
    expect(screen.getByLabelText('Folder path')).toBeTruthy();
  });

  it('Cancel closes the form and brings back the button', async () => {
    const { user } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form')).toBeNull();
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });
});

describe('Add connector, focus', () => {
  it('Cancel puts focus back on "Add connector", with and without connectors', async () => {
    const { user, push } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add connector' }));
    push(buildState({ connectors: [idleConnector({ name: 'Notes' })] }));
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add connector' }));
  });

  it('after adding, focus is on "Add connector" above the new card, not on <body>', async () => {
    const { user, push } = await renderDashboard({ state: buildState() });
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await user.type(screen.getByLabelText('Folder path'), '/home/ada/Notes');
    await user.click(screen.getByRole('button', { name: 'Add connector' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Add a connector' })).toBeNull());
    push(buildState({ connectors: [syncingConnector({ name: 'Notes' })] }));
    await screen.findByRole('region', { name: 'Notes' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add connector' }));
  });
});
