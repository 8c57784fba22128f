// Reports of a run: TAP, JUnit, merged pcap, FSM coverage diagram, ladder diagrams, HTML.
export { type SuiteResult, type TestResult, type TraceLine, type Figure } from '../peer/contract.js';
export { countRun, runOk, suiteOk, suiteRan, testsOf, type Counts, type RunRecord, type RunOptionsRecord, type SuiteRun, type TapTest } from './run.js';
export { TapComposer, suitePoint, yamlBlock } from './tap.js';
export { junitXml } from './junit.js';
export { mergePcaps, type MergedPcap, type PcapInput } from './pcap-merge.js';
export { rowCoverage, tableCoverage, coverageDiagram, type RowCoverage, type ExercisedTest } from './coverage.js';
export { renderDot, svgElement } from './svg.js';
export { ladderSvg, segmentLabel, type LadderOptions } from './ladder.js';
export { indexHtml, type HtmlInput, type LadderRef } from './html.js';
export { traceText, traceLineText } from './trace-text.js';
export { xmlText, xmlAttr, slug } from './escape.js';
export { createRunDir, linkLatest, runDirName, writeReports, type ReportFiles } from './write.js';
