import fs from 'node:fs';
import path from 'node:path';

/**
 * Everything Audenci writes under its data directory — the SQLite database and its `-wal`/`-shm`
 * files, media blobs and thumbnails, upload temporaries, the generated secret key — is readable by
 * its owner only: files 0600, directories 0700. New files ask for those modes (a umask can only take
 * bits away, never add group or other ones), and start-up tightens what an earlier version or another
 * tool left more open.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Bits that let anyone but the owner in. */
const OPEN_BITS = 0o077;

const isOpen = (stats: fs.Stats) => (stats.mode & OPEN_BITS) !== 0;

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Creates `dir` (and missing parents) owner-only; an existing `dir` is made owner-only too. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stats = fs.statSync(dir);
  if (isOpen(stats)) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file owner-only (0600); a missing one is left missing. Symbolic links are not followed. */
export function tightenFile(file: string): void {
  const stats = lstatOrNull(file);
  if (stats?.isFile() && isOpen(stats)) fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** Creates `file` empty and owner-only when it does not exist; tightens it when it does. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  tightenFile(file);
}

/**
 * Makes a directory tree owner-only. A directory that is already owner-only is taken to hold only what
 * this version wrote and is not walked (a media tree can hold millions of files); an open one is walked
 * and made owner-only last, so that an interrupted walk is resumed at the next start.
 */
async function tightenTree(dir: string): Promise<void> {
  const stats = await fs.promises.lstat(dir);
  if (!stats.isDirectory() || !isOpen(stats)) return;
  await tightenChildren(dir);
  await fs.promises.chmod(dir, PRIVATE_DIR_MODE);
}

async function tightenChildren(dir: string): Promise<void> {
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await tightenChildren(full);
      const stats = await fs.promises.lstat(full);
      if (isOpen(stats)) await fs.promises.chmod(full, PRIVATE_DIR_MODE);
    } else if (entry.isFile()) {
      const stats = await fs.promises.lstat(full);
      if (isOpen(stats)) await fs.promises.chmod(full, PRIVATE_FILE_MODE);
    }
  }
}

/**
 * Start-up: the data directory (when it exists) becomes owner-only, with every file directly in it
 * and every subdirectory tree that is not owner-only yet (see `tightenTree`). Nothing is created.
 */
export async function tightenDataDir(dataDir: string): Promise<void> {
  const stats = lstatOrNull(dataDir);
  if (!stats?.isDirectory()) return;
  if (isOpen(stats)) fs.chmodSync(dataDir, PRIVATE_DIR_MODE);
  for (const entry of await fs.promises.readdir(dataDir, { withFileTypes: true })) {
    const full = path.join(dataDir, entry.name);
    if (entry.isFile()) tightenFile(full);
    else if (entry.isDirectory()) await tightenTree(full);
  }
}
