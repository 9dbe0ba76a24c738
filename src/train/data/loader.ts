// Listing an image data set laid out as one folder per class, in the two layouts users meet:
//   DIR/<class>/*.jpg|jpeg|png                       (the common "ImageFolder" layout)
//   DIR/<class>/original/*.jpg + DIR/<class>/segment/<same base>.png   (the KTH-ANIMALS archive, with masks)
// Classes are the sub-folders sorted by name, so class indices do not depend on the file system's order.
//
// Listing is cheap (it reads 8 bytes of each file to check its signature); decoding happens later
// (decode.ts, cache.ts). Files that are not images, or that do not start like a JPEG/PNG (a zero-filled copy),
// are skipped and collected so the caller prints ONE warning (`listingWarning`), not one line per file.
// Hard errors (missing folder, fewer than two classes, an empty class) are GraftErrors that say what to do.

import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { GraftError } from '../../gpu/errors.ts';

export const KTH_DOWNLOAD_URL = 'https://www.csc.kth.se/~heydarma/Datasets.html';

export interface ImageItem {
  /** Absolute path of the photo. */
  path: string;
  classIndex: number;
  className: string;
  /** Absolute path of its foreground mask (KTH layout), or null. */
  maskPath: string | null;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImageFolder {
  /** Absolute path of the data set's root folder. */
  root: string;
  layout: 'flat' | 'kth';
  /** Class names sorted by name; index = class index. */
  classes: string[];
  /** Photos sorted by class, then by path. */
  items: ImageItem[];
  /** Files left out (not an image, bad signature, unreadable), with why. */
  skipped: SkippedFile[];
  /** Masks whose photo is missing (KTH layout). */
  orphanMasks: string[];
}

export interface ListOptions {
  /** Say in a missing-folder error that this is the KTH-ANIMALS data set and where to get it. */
  kth?: boolean;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/** Lists the photos of a folder-per-class data set. Throws GraftError for a missing folder or unusable classes. */
export function listImageFolder(dir: string, options: ListOptions = {}): ImageFolder {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new GraftError(missingFolderMessage(root, options.kth ?? false));
  }
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(compareNames);
  if (classes.length < 2) {
    throw new GraftError(
      `${root}: found ${classes.length} class folder${classes.length === 1 ? '' : 's'} (${classes.join(', ') || 'none'}); ` +
        'a classification data set needs at least two, one sub-folder per class (DIR/<class>/*.jpg or DIR/<class>/original/*.jpg)' +
        (options.kth ? `. ${kthHint()}` : ''),
    );
  }

  // The KTH layout is recognised per data set, not per class: mixing layouts would silently drop photos.
  const kthClasses = classes.filter((c) => isDir(join(root, c, 'original')));
  if (kthClasses.length > 0 && kthClasses.length < classes.length) {
    const flat = classes.filter((c) => !kthClasses.includes(c));
    throw new GraftError(
      `${root}: mixed layouts: ${kthClasses.length} class folders have an original/ sub-folder (KTH layout) but ` +
        `${clip(flat)} do${flat.length === 1 ? 'es' : ''} not. Use one layout for every class.`,
    );
  }
  const layout: ImageFolder['layout'] = kthClasses.length > 0 ? 'kth' : 'flat';

  const items: ImageItem[] = [];
  const skipped: SkippedFile[] = [];
  const orphanMasks: string[] = [];
  const empty: string[] = [];
  classes.forEach((className, classIndex) => {
    const photoDir = layout === 'kth' ? join(root, className, 'original') : join(root, className);
    const maskDir = layout === 'kth' ? join(root, className, 'segment') : null;
    const photos = listFiles(photoDir, skipped);
    const masks = new Map<string, string>();
    if (maskDir && isDir(maskDir)) {
      for (const m of listFiles(maskDir, skipped)) {
        if (extname(m).toLowerCase() === '.png') masks.set(stem(m), m);
        else skipped.push({ path: m, reason: 'not a PNG mask' });
      }
    }
    const before = items.length;
    const usedMasks = new Set<string>();
    for (const path of photos) {
      const reason = imageProblem(path);
      if (reason) {
        skipped.push({ path, reason });
        continue;
      }
      const maskPath = masks.get(stem(path)) ?? null;
      if (maskPath) usedMasks.add(maskPath);
      items.push({ path, classIndex, className, maskPath });
    }
    for (const m of masks.values()) if (!usedMasks.has(m)) orphanMasks.push(m);
    if (items.length === before) empty.push(className);
  });
  if (empty.length > 0) {
    throw new GraftError(
      `${root}: class folder${empty.length === 1 ? '' : 's'} ${clip(empty)} ha${empty.length === 1 ? 's' : 've'} no readable ` +
        `JPEG or PNG photos${layout === 'kth' ? ' in original/' : ''}. Remove ${empty.length === 1 ? 'it' : 'them'} or add photos.` +
        (skipped.length ? ` ${describeSkipped(root, skipped)}` : ''),
    );
  }
  return { root, layout, classes, items, skipped, orphanMasks };
}

/**
 * The listing without the photos that failed later (decoding), which join `skipped`. Throws GraftError when a
 * class is left with no photo, naming the files that failed.
 */
export function dropFailed(folder: ImageFolder, failures: SkippedFile[]): ImageFolder {
  if (failures.length === 0) return folder;
  const failed = new Set(failures.map((f) => f.path));
  const items = folder.items.filter((it) => !failed.has(it.path));
  const empty = folder.classes.filter((_, c) => !items.some((it) => it.classIndex === c));
  const skipped = [...folder.skipped, ...failures];
  if (empty.length) {
    throw new GraftError(
      `${folder.root}: class${empty.length === 1 ? '' : 'es'} ${empty.join(', ')} ha${empty.length === 1 ? 's' : 've'} no photo that decodes. ` +
        describeSkipped(folder.root, skipped),
    );
  }
  return { ...folder, items, skipped };
}

/**
 * One warning for everything left out of a listing (after dropFailed, that includes photos that failed to
 * decode) and masks without a photo, or null when there is nothing to say. Paths relative to the root.
 */
export function listingWarning(folder: ImageFolder): string | null {
  const skipped = folder.skipped;
  const parts: string[] = [];
  if (skipped.length) parts.push(describeSkipped(folder.root, skipped));
  if (folder.orphanMasks.length) {
    const shown = folder.orphanMasks.map((m) => relative(folder.root, m));
    parts.push(`${shown.length} mask${shown.length === 1 ? ' has' : 's have'} no photo: ${clip(shown)}`);
  }
  return parts.length ? `${folder.root}: ${parts.join('; ')}` : null;
}

/** The message for a data folder that does not exist. */
export function missingFolderMessage(root: string, kth: boolean): string {
  return `data folder not found: ${root}` + (kth ? `. ${kthHint()}` : '. Point --data at a folder with one sub-folder per class.');
}

function kthHint(): string {
  return (
    `Download KTH-ANIMALS from ${KTH_DOWNLOAD_URL}, unpack it (one folder per class, each with original/ and segment/), ` +
    'and point --data or $KTH_ANIMALS_DIR at the unpacked folder'
  );
}

function describeSkipped(root: string, skipped: SkippedFile[]): string {
  const shown = skipped.map((s) => `${relative(root, s.path)} (${s.reason})`);
  return `skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${clip(shown)}`;
}

function clip(list: string[], max = 20): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')}, ... and ${list.length - max} more`;
}

/** Regular files of a folder sorted by name (hidden files ignored); sub-folders are not descended into. */
function listFiles(dir: string, skipped: SkippedFile[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    skipped.push({ path: dir, reason: `unreadable folder: ${(err as Error).message}` });
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
    .map((e) => join(dir, e.name))
    .sort(compareNames);
}

/** Why a photo cannot be used, judged from its extension and first bytes; null when it looks like a JPEG/PNG. */
function imageProblem(path: string): string | null {
  const ext = extname(path).toLowerCase();
  if (!IMAGE_EXTENSIONS.has(ext)) return 'not a .jpg/.jpeg/.png file';
  let head: Buffer;
  try {
    head = Buffer.alloc(8);
    const fd = openSync(path, 'r');
    try {
      const n = readSync(fd, head, 0, 8, 0);
      if (n === 0) return 'empty file';
      head = head.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  if (sniffFormat(head) === null) return 'neither JPEG nor PNG data';
  return null;
}

/** 'jpeg' or 'png' from a file's first bytes, else null. */
export function sniffFormat(head: Uint8Array): 'jpeg' | 'png' | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((b, i) => head[i] === b)) return 'png';
  return null;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function stem(path: string): string {
  const name = basename(path);
  return name.slice(0, name.length - extname(name).length);
}

/** Byte-wise name order (not locale order), so every machine sorts classes the same way. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
