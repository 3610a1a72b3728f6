/**
 * How the graph looks. Colours hold WCAG AA contrast (4.5:1 for text) on the white canvas, and no
 * meaning rides on colour alone: plaintext edges are dashed and say "plaintext", denied ones are
 * red, thicker and say "denied".
 */
import type cytoscape from 'cytoscape';
import { COLLAPSED } from '../view';

export const COLOURS = {
  text: '#1b1f24',
  call: '#36557a',
  plaintext: '#7a4f00',
  denied: '#b3261e',
  focus: '#0b57d0',
} as const;

export const GRAPH_STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      color: COLOURS.text,
      'font-size': 12,
      'font-family': 'system-ui, sans-serif',
      'text-valign': 'center',
      'text-halign': 'center',
      'text-max-width': '140px',
      'text-wrap': 'ellipsis',
      shape: 'round-rectangle',
      width: 150,
      height: 36,
      'background-color': '#e3ecf7',
      'border-width': 1,
      'border-color': '#4d5d73',
      'min-zoomed-font-size': 6,
    },
  },
  { selector: 'node[kind = "version"]', style: { 'background-color': '#ffffff', width: 120, height: 28 } },
  // Shapes that keep the label inside: the kind shows in the border and the label's "(gateway)".
  { selector: 'node[kind = "external"], node[kind = "unknown"]', style: { shape: 'cut-rectangle', 'background-color': '#f2efe6' } },
  { selector: 'node[kind = "gateway"]', style: { 'border-style': 'double', 'border-width': 4, 'background-color': '#e6f2ea' } },
  { selector: 'node.idle', style: { 'border-style': 'dotted' } },
  {
    selector: ':parent',
    style: { 'text-valign': 'top', 'text-halign': 'center', 'font-weight': 'bold', 'background-color': '#f1f5fb', 'background-opacity': 1, padding: '10px' },
  },
  {
    selector: 'node[kind = "namespace"]',
    style: { 'background-color': '#f7f8fa', 'border-style': 'dashed', 'border-color': '#5f6b7a', 'font-size': 14, 'text-valign': 'top' },
  },
  {
    selector: 'node[kind = "namespace"].collapsed',
    style: { 'border-style': 'double', 'border-width': 4, width: COLLAPSED.width, height: COLLAPSED.height, 'font-size': 28, 'text-wrap': 'wrap', 'text-max-width': `${COLLAPSED.width - 16}px`, 'text-valign': 'center', 'background-color': '#dfe5ee', 'min-zoomed-font-size': 4 },
  },
  {
    selector: 'edge',
    style: {
      width: 2,
      'curve-style': 'bezier',
      'line-color': COLOURS.call,
      'target-arrow-color': COLOURS.call,
      'target-arrow-shape': 'triangle',
      label: 'data(label)',
      'font-size': 10,
      'text-wrap': 'wrap',
      color: COLOURS.text,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': '2px',
      'min-zoomed-font-size': 8,
    },
  },
  { selector: 'edge.plaintext', style: { 'line-style': 'dashed', 'line-color': COLOURS.plaintext, 'target-arrow-color': COLOURS.plaintext } },
  { selector: 'edge.denied', style: { width: 4, 'line-color': COLOURS.denied, 'target-arrow-color': COLOURS.denied, color: COLOURS.denied } },
  { selector: 'edge.idle', style: { 'line-style': 'dotted', width: 1 } },
  { selector: ':selected', style: { 'border-width': 3, 'border-color': COLOURS.focus, 'line-color': COLOURS.focus, 'target-arrow-color': COLOURS.focus } },
];
