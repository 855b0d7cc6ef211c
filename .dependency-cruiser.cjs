// The layers of src/, lowest first: a module may import from its own layer
// and the ones below it, never from above. `npm run check:layers` checks it
// (part of `npm test`); HACKING.md draws the picture.
const LAYERS = ['unusable', 'host', 'config', 'boot-target', 'plan', 'act', 'history', 'commands', 'cli'];

const layerPath = (name) => (name === 'unusable' ? '^src/unusable\\.ts$' : `^src/${name}/`);

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle makes two modules one: split what they share into a lower layer.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `no-upward-from-${layer}`,
      severity: 'error',
      comment: `${layer} may import only from ${LAYERS.slice(0, i + 1).join(', ')}.`,
      from: { path: layerPath(layer) },
      to: { path: LAYERS.slice(i + 1).map(layerPath) },
    })),
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      comment: 'src/ holds only the layers named in .dependency-cruiser.cjs.',
      from: { path: '^src/', pathNot: [...LAYERS.map(layerPath)] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
  },
};
