import type { ConnectorKind, DocType } from '../shared/types.js';

export interface KindInfo {
  label: string;
  description: string;
  /** Label of the path field for this kind. */
  pathLabel: string;
  placeholder: string;
}

export const KIND_INFO: Record<ConnectorKind, KindInfo> = {
  folder: {
    label: 'Folder',
    description: 'Documents and notes in a folder and all its subfolders.',
    pathLabel: 'Folder path',
    placeholder: '/home/you/Documents',
  },
  obsidian: {
    label: 'Obsidian vault',
    description: 'An Obsidian vault: notes with their links, tags and front matter.',
    pathLabel: 'Vault folder path',
    placeholder: '/home/you/Notes',
  },
  mbox: {
    label: 'Mailbox file (mbox)',
    description: 'One .mbox file, e.g. exported from Thunderbird, Apple Mail or Google Takeout.',
    pathLabel: 'mbox file path',
    placeholder: '/home/you/Mail/Inbox.mbox',
  },
  maildir: {
    label: 'Maildir',
    description: 'A Maildir mail folder (cur, new, tmp), as kept by mbsync, offlineimap or Mutt.',
    pathLabel: 'Maildir folder path',
    placeholder: '/home/you/Maildir',
  },
  ics: {
    label: 'Calendar (.ics)',
    description: 'A calendar file with events and tasks, exported or synced from a calendar or task app.',
    pathLabel: '.ics file path',
    placeholder: '/home/you/calendar.ics',
  },
};

export const DOC_TYPE_LABEL: Record<DocType, string> = {
  note: 'Note',
  document: 'Document',
  email: 'Email',
  event: 'Event',
  task: 'Task',
};

export const DOC_TYPE_PLURAL: Record<DocType, string> = {
  note: 'Notes',
  document: 'Documents',
  email: 'Emails',
  event: 'Events',
  task: 'Tasks',
};
