// Syntax check for Dart without a Dart SDK: the tree-sitter Dart grammar from npm
// (@sengac/tree-sitter-dart, prebuilt binaries). A file passes when its tree has no ERROR or
// MISSING node. This proves the text is Dart; it does not type-check it (that needs the SDK).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A node of the tree, as much of tree-sitter's API as the checks use. */
export interface SyntaxNode {
  type: string;
  text: string;
  isMissing: boolean;
  hasError: boolean;
  startPosition: { row: number; column: number };
  parent: SyntaxNode | null;
  children: SyntaxNode[];
  namedChildren: SyntaxNode[];
  childForFieldName(name: string): SyntaxNode | null;
}

interface Parser {
  setLanguage(language: unknown): void;
  parse(text: string): { rootNode: SyntaxNode };
}

let parser: Parser | undefined;

/** The syntax tree of a Dart source. */
export function parseDart(source: string): SyntaxNode {
  if (!parser) {
    const TreeSitter = require('@sengac/tree-sitter') as new () => Parser;
    parser = new TreeSitter();
    parser.setLanguage(require('@sengac/tree-sitter-dart'));
  }
  // The binding reads long inputs through a callback in chunks; a string is fine here.
  return parser.parse(source).rootNode;
}

/** Every ERROR or MISSING node, as `line:column: what` (1-based), in source order. */
export function dartSyntaxErrors(source: string): string[] {
  const problems: string[] = [];
  const visit = (node: SyntaxNode) => {
    if (node.type === 'ERROR' || node.isMissing) {
      const { row, column } = node.startPosition;
      const what = node.isMissing
        ? `missing ${node.type}`
        : `unexpected ${JSON.stringify(node.text.slice(0, 60))}`;
      problems.push(`${row + 1}:${column + 1}: ${what}`);
      if (node.type === 'ERROR') return;
    }
    if (node.hasError || node.isMissing) for (const child of node.children) visit(child);
  };
  const root = parseDart(source);
  if (root.hasError) visit(root);
  return problems;
}

/** Every node of the tree, depth first. */
export function* walk(node: SyntaxNode): Generator<SyntaxNode> {
  yield node;
  for (const child of node.namedChildren) yield* walk(child);
}
