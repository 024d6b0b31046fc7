// Reads template.yaml (CloudFormation tags included) so the local platform builds exactly what SAM deploys.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, type Tags } from 'yaml';

export type Template = {
  Parameters?: Record<string, { Default?: unknown }>;
  Globals?: { Function?: FunctionProperties };
  Resources: Record<string, Resource>;
};
export type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
};
export type FunctionProperties = {
  Handler?: string;
  CodeUri?: string;
  Timeout?: number;
  Environment?: { Variables?: Record<string, unknown> };
  Events?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
};

export const templatePath = resolve(import.meta.dirname, '../../template.yaml');

// `!Ref X` becomes { Ref: X }, `!GetAtt A.B` becomes { 'Fn::GetAtt': [A, B] }, `!Sub s` { 'Fn::Sub': s }, ...
const intrinsic = (tag: string, fn: string, split = false): Tags[number][] => [
  { tag: `!${tag}`, resolve: (value: string) => ({ [fn]: split ? value.split('.') : value }) },
  {
    tag: `!${tag}`,
    collection: 'seq',
    resolve: (value) => ({ [fn]: (value as { toJSON(): unknown }).toJSON() }),
  },
  {
    tag: `!${tag}`,
    collection: 'map',
    resolve: (value) => ({ [fn]: (value as { toJSON(): unknown }).toJSON() }),
  },
];
const customTags: Tags = [
  ...intrinsic('Ref', 'Ref'),
  ...intrinsic('GetAtt', 'Fn::GetAtt', true),
  ...[
    'Sub',
    'Join',
    'If',
    'Equals',
    'Select',
    'Split',
    'FindInMap',
    'ImportValue',
    'Not',
    'And',
    'Or',
    'Base64',
    'GetAZs',
    'Condition',
  ].flatMap((name) => intrinsic(name, name === 'Condition' ? 'Condition' : `Fn::${name}`)),
];

export function loadTemplate(path = templatePath): Template {
  // merge: the functions share esbuild options and variables through `<<: *anchor`, as SAM reads them.
  return parse(readFileSync(path, 'utf8'), { customTags, merge: true }) as Template;
}

export const resourcesOfType = (t: Template, ...types: string[]): [string, Resource][] =>
  Object.entries(t.Resources).filter(([, r]) => types.includes(r.Type));

export const functionsOf = (t: Template) => resourcesOfType(t, 'AWS::Serverless::Function');

/** Where a function's code starts (esbuild entry point) and which export Lambda calls. */
export function handlerOf(resource: Resource): { entry: string; exportName: string; outBase: string } {
  const props = resource.Properties as FunctionProperties;
  const build = (resource.Metadata?.BuildProperties ?? {}) as { EntryPoints?: string[] };
  const entry = build.EntryPoints?.[0];
  if (!entry || !props.Handler) throw new Error('function has no esbuild EntryPoints or Handler');
  const dot = props.Handler.lastIndexOf('.');
  return { entry, outBase: props.Handler.slice(0, dot), exportName: props.Handler.slice(dot + 1) };
}

/** Globals' variables overlaid by the function's own, as Lambda sees them. */
export function functionEnvironment(t: Template, resource: Resource): Record<string, unknown> {
  return {
    ...(t.Globals?.Function?.Environment?.Variables ?? {}),
    ...((resource.Properties as FunctionProperties).Environment?.Variables ?? {}),
  };
}

/** The env var (Globals or any function) that receives `!Ref logicalId`. */
export function envVarFor(t: Template, logicalId: string): string | undefined {
  const all = [
    t.Globals?.Function?.Environment?.Variables,
    ...functionsOf(t).map(([, r]) => functionEnvironment(t, r)),
  ];
  for (const vars of all) {
    for (const [name, value] of Object.entries(vars ?? {})) {
      if ((value as { Ref?: string })?.Ref === logicalId) return name;
    }
  }
  return undefined;
}
