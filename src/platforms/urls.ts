import { domainToASCII } from 'node:url';

/**
 * The URLs in a text, found the way twitter-text finds them: `http(s)://` + host, or a bare ASCII
 * domain with a known TLD, not glued to a preceding letter, digit, @, $ or #; then an optional port,
 * path and query whose trailing punctuation is left out (`example.com/foo.` ends before the dot). X
 * counts every URL as 23, and hashtags inside a URL are not hashtags: both need this parser.
 */

/** Country-code TLDs (ISO 3166-1 plus ac, eu, su, uk). */
const COUNTRY_TLDS = new Set(
  (
    'ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs ' +
    'bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg ' +
    'eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn ' +
    'hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk ' +
    'lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ' +
    'ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd ' +
    'se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw ' +
    'tz ua ug uk um us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw'
  ).split(' '),
);

/**
 * Generic TLDs that bare domains (no `http://`) are recognised with. twitter-text carries IANA's whole
 * list; this is the part seen in real posts. A bare domain under another TLD counts by its characters;
 * with `https://` in front any TLD is recognised.
 */
const GENERIC_TLDS = new Set(
  (
    'com net org info biz name pro edu gov mil int mobi aero asia cat coop jobs museum post tel travel ' +
    'xxx app dev page blog shop store online site website tech xyz club live life world today news ' +
    'media digital email link cloud agency company studio design art gallery photo photos photography ' +
    'social network group global academy education school university college courses training ' +
    'solutions services systems software tools support center consulting marketing business finance ' +
    'capital money bank insurance health care clinic dental fitness fit games game fun movie film video ' +
    'events tickets tours holiday hotels restaurant cafe bar pub pizza wine beer coffee food recipes ' +
    'kitchen eco green bio energy solar law legal lawyer attorney guru expert tips wiki help how london ' +
    'nyc paris berlin tokyo amsterdam love family baby dog pet fashion style beauty house homes ' +
    'property properties realestate estate land city town country one top vip win bet poker casino ltd ' +
    'llc inc gmbh google youtube rocks ninja zone works space science team chat market sale deals ' +
    'foundation fund charity church africa'
  ).split(' '),
);

const MAX_URL_LENGTH = 4096;
const LABEL = String.raw`[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}_-]{0,61}[\p{L}\p{M}\p{N}])?`;
const ASCII_LABEL = String.raw`[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?`;
/**
 * Only the host: the path is matched after the host is accepted, keeping the scan linear. `\uFF20` and
 * `\uFF03` are the full-width `＠` and `＃`, escaped so that the server bundle stays ASCII (bin/build.mjs).
 */
const URL_HOST = new RegExp(
  String.raw`(?<![A-Za-z0-9@\uFF20$#\uFF03])(https?:\/\/)((?:${LABEL}\.){1,32}${LABEL})` +
    String.raw`|(?<![A-Za-z0-9@\uFF20$#\uFF03._\/-])((?:${ASCII_LABEL}\.){1,32}${ASCII_LABEL})`,
  'giu',
);
/** Latin letters with accents, combining marks and Cyrillic, which twitter-text allows in paths. */
const LATIN_CYRILLIC = String.raw`\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\p{Mn}\u1E00-\u1EFF\u0400-\u04FF`;
const URL_PORT = /:\d+/y;
const URL_PATH = new RegExp(
  String.raw`\/[A-Za-z0-9!*';:=+,.$\/%#\[\]\-\u2013_~@|&()${LATIN_CYRILLIC}]*`,
  'uy',
);
const PATH_END = new RegExp(String.raw`[+\-A-Za-z0-9=_#\/)${LATIN_CYRILLIC}]`, 'u');
const URL_QUERY = /\?[A-Za-z0-9!?*'@();:&=+$/%#[\]\-_.,~|]*/y;
const QUERY_END = /[A-Za-z0-9\-_&=#/]/;

export interface UrlMatch {
  url: string;
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
}

function tldAccepted(tld: string, withProtocol: boolean): boolean {
  const t = tld.toLowerCase();
  if (COUNTRY_TLDS.has(t) || GENERIC_TLDS.has(t) || /^xn--[a-z0-9-]+$/.test(t)) return true;
  return withProtocol && /^\p{L}[\p{L}\p{M}]{1,62}$/u.test(tld);
}

/** Drops what cannot end a path: unbalanced parentheses and trailing punctuation. */
function trimPath(path: string): string {
  const open: number[] = [];
  let end = path.length;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '(') open.push(i);
    else if (path[i] === ')' && open.pop() === undefined) {
      end = i;
      break;
    }
  }
  const unclosed = open.find((i) => i < end);
  if (unclosed !== undefined) end = unclosed;
  let out = path.slice(0, end);
  while (out.length > 1 && !PATH_END.test(out.slice(-1))) out = out.slice(0, -1);
  return out;
}

function matchAt(re: RegExp, text: string, at: number): string {
  re.lastIndex = at;
  return re.exec(text)?.[0] ?? '';
}

/** The URLs twitter-text would link in `text`, in order. */
export function findUrls(text: string): UrlMatch[] {
  const found: UrlMatch[] = [];
  const re = new RegExp(URL_HOST.source, URL_HOST.flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const protocol = m[1] ?? '';
    const labels = (m[2] ?? m[3] ?? '').split('.');
    let k = labels.length;
    while (k >= 2 && !tldAccepted(labels[k - 1]!, protocol !== '')) k--;
    const domain = labels.slice(0, k).join('.');
    let end = m.index + protocol.length + domain.length;
    const ascii = k >= 2 ? domainToASCII(domain) : '';
    const valid =
      ascii !== '' &&
      !labels[k - 2]!.includes('_') &&
      !/[@+\-A-Za-z0-9]/.test(text[end] ?? '') &&
      ascii.split('.').every((label) => label.length <= 63);
    if (!valid) {
      re.lastIndex = m.index + 1;
      continue;
    }
    if (k === labels.length) {
      end += matchAt(URL_PORT, text, end).length;
      const path = matchAt(URL_PATH, text, end);
      end += path ? trimPath(path).length : 0;
      let query = matchAt(URL_QUERY, text, end);
      while (query.length > 1 && !QUERY_END.test(query.slice(-1))) query = query.slice(0, -1);
      if (query.length > 1) end += query.length;
    }
    const url = text.slice(m.index, end);
    const length = (protocol || 'https://').length + url.length - protocol.length - domain.length;
    if (length + ascii.length > MAX_URL_LENGTH) {
      re.lastIndex = m.index + 1;
      continue;
    }
    found.push({ url, start: m.index, end });
    re.lastIndex = end;
  }
  return found;
}
