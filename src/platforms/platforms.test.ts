/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is JSON of any shape */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createTestApp, type TestApp } from '../../test/helpers/app.js';
import { loadConfig } from '../config/index.js';
import { PLATFORMS, platformDefinition, platformDefinitions } from './platforms.js';

const isPlatformName = (v: unknown) => (PLATFORMS as unknown[]).includes(v);

/**
 * Every list of platforms in `value` (a JSON document), with where it is: an `enum` naming a platform,
 * or an `anyOf` of single-value enums (a union of literals).
 */
function platformEnums(value: any, at = '#'): { at: string; values: string[] }[] {
  if (!value || typeof value !== 'object') return [];
  const literals = Array.isArray(value.anyOf)
    ? value.anyOf.map((s: any) => (s?.enum?.length === 1 ? s.enum[0] : s?.const))
    : [];
  if (literals.length && literals.some(isPlatformName)) return [{ at, values: literals }];
  const own =
    Array.isArray(value.enum) && value.enum.some(isPlatformName) ? [{ at, values: value.enum }] : [];
  return [...own, ...Object.entries(value).flatMap(([k, v]) => platformEnums(v, `${at}/${k}`))];
}

describe('platform registry', () => {
  it('lists each network once, under the name its rules carry', () => {
    const names = platformDefinitions().map((d) => d.name);
    assert.deepEqual(names, [...new Set(names)]);
    assert.deepEqual(PLATFORMS, names);
    for (const d of platformDefinitions()) {
      assert.equal(d.rules.platform, d.name);
      assert.equal(platformDefinition(d.name), d);
    }
    assert.equal(platformDefinition('myspace'), undefined);
  });

  it('definitions are frozen: everyone shares one copy', () => {
    for (const d of platformDefinitions()) {
      assert.ok(Object.isFrozen(d) && Object.isFrozen(d.rules.media) && Object.isFrozen(d.postingTimes));
    }
  });

  it('config reads the settings of exactly the networks with a live connector, under their env prefix', () => {
    const live = platformDefinitions().filter((d) => d.connector);
    const env = Object.fromEntries(live.map((d) => [`${d.connector!.envPrefix}_CLIENT_ID`, `id-${d.name}`]));
    const config = loadConfig(env);
    assert.deepEqual(Object.keys(config.platforms).sort(), live.map((d) => d.name).sort());
    for (const d of live) {
      assert.equal(config.platforms[d.name as keyof typeof config.platforms].clientId, `id-${d.name}`);
    }
  });

  it('every network has at least 21 posting times a week, two hours apart on a day', () => {
    for (const d of platformDefinitions()) {
      let week = 0;
      for (let day = 0; day < 7; day++) {
        const hours = [
          ...new Set(d.postingTimes.filter((w) => w.days.includes(day)).flatMap((w) => w.hours)),
        ];
        hours.sort((a, b) => a - b);
        hours.slice(1).forEach((h, i) => assert.ok(h - hours[i]! >= 2, `${d.name} day ${day}`));
        week += hours.length;
      }
      assert.ok(week >= 21, `${d.name}: ${week} posting times a week`);
    }
  });

  describe('the OpenAPI document', () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp('sqlite');
    });
    after(async () => {
      await t.close();
    });

    it('names platforms only as the registry lists them: every platform enum is PLATFORMS', async () => {
      const res = await call(t.app, 'GET', '/openapi.json');
      const enums = platformEnums(res.body);
      assert.ok(enums.length >= 5, `found ${enums.length} platform enums`);
      for (const e of enums) assert.deepEqual(e.values, [...PLATFORMS], e.at);
    });
  });
});
