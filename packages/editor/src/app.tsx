import type { Issue, NodeSpec, WorkflowDocument } from '@sdflow/protocol'
import {
  useCallback,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react'
import { ApiError, api } from './api.js'
import type { BackendInfo } from './catalog.js'
import { expose, renameInContract } from './contract.js'
import {
  documentToGraph,
  emptyDocument,
  fragmentOf,
  type Graph,
  graphToDocument,
  hasPositions,
  parseFragment,
  pastedGraph,
} from './document.js'
import { createEditor, type EditorHandle, type SearchRequest } from './editor/create-editor.js'
import type { ViewState } from './editor/schemes.js'
import type { RunEstimate } from './estimate.js'
import { type EventStream, followRun } from './events-socket.js'
import { inputImagesOf, maskLoadsOf, painterTarget, uploadedSource } from './input-images.js'
import { indexIssues } from './issues.js'
import { isImageFile, workflowFromFile } from './png-workflow.js'
import { restoredDocument } from './restore.js'
import { idleRun, type RunAction, runReducer } from './run-state.js'
import { type FileRef, session, setUrlWorkflow, workflowFromUrl } from './session.js'
import { createStore } from './store.js'
import { BackendsView } from './ui/backends-view.js'
import { ConfirmDialog, NameDialog } from './ui/dialogs.js'
import { Gallery } from './ui/gallery.js'
import { HistoryPanel } from './ui/history-panel.js'
import { Inspector } from './ui/inspector.js'
import { Lightbox, type LightboxItem } from './ui/lightbox.js'
import { MaskPainter, type PainterTarget } from './ui/mask-painter.js'
import { NodeMenu } from './ui/node-menu.js'
import { NodeSearch } from './ui/node-search.js'
import { OpenDialog } from './ui/open-dialog.js'
import { Palette } from './ui/palette.js'
import { RunLog } from './ui/run-log.js'
import { Shortcuts } from './ui/shortcuts.js'
import { StatusBar, Toolbar } from './ui/toolbar.js'
import { useKeyboard } from './ui/use-keyboard.js'
import { useRuns } from './ui/use-runs.js'

const NAME = /^[A-Za-z0-9._-]{1,128}$/
type Status = { text: string; level: 'info' | 'error' } | undefined
type Dialog =
  | { kind: 'open' }
  | { kind: 'save-as' }
  | { kind: 'confirm'; title: string; text: string; yes: string; onYes(): void }

const nameProblem = (name: string) =>
  NAME.test(name) && name !== '.' && name !== '..'
    ? undefined
    : `"${name}" is not a valid name: use 1 to 128 letters, digits, ".", "_" and "-"`

function isDocument(value: unknown): value is WorkflowDocument {
  return (
    typeof value === 'object' &&
    value !== null &&
    'nodes' in value &&
    typeof value.nodes === 'object' &&
    value.nodes !== null
  )
}

/** The editor page: toolbar, palette, canvas, inspector, run log. */
export function App({
  specs,
  initialBackends,
}: {
  specs: NodeSpec[]
  initialBackends: BackendInfo[]
}) {
  const specMap = useMemo(() => new Map(specs.map((s) => [s.type, s])), [specs])
  const [store] = useState(() =>
    createStore<ViewState>({
      run: idleRun,
      issues: new Map(),
      backends: initialBackends,
      selected: undefined,
    }),
  )
  const view = useSyncExternalStore(store.subscribe, store.get)
  const canvas = useRef<HTMLDivElement>(null)
  const [editor, setEditor] = useState<EditorHandle>()
  const editorRef = useRef<EditorHandle | undefined>(undefined)
  const [file, setFile] = useState<FileRef>({})
  const [dirty, setDirty] = useState(false)
  const [version, bump] = useReducer((n: number) => n + 1, 0)
  const [graph, setGraph] = useState<Graph>(() => documentToGraph(emptyDocument()))
  const [serverIssues, setServerIssues] = useState<Issue[]>([])
  const [status, setStatusState] = useState<Status>()
  const [dialog, setDialog] = useState<Dialog | undefined>()
  // fields whose text is not a value yet: `where/node/key` -> the issue shown and blocking Run
  const [fieldProblems, setFieldProblems] = useState<ReadonlyMap<string, Issue>>(new Map())
  const reportInvalid = useCallback(
    (where: string, nodeId: string, key: string, message: string | undefined) => {
      const id = `${where}/${nodeId}/${key}`
      setFieldProblems((before) => {
        if (message === undefined && !before.has(id)) return before
        const next = new Map(before)
        if (message === undefined) next.delete(id)
        else {
          next.set(id, {
            code: 'SDF_PARAM_INVALID',
            pointer: `/nodes/${nodeId}/params/${key}`,
            message,
            severity: 'error',
          })
        }
        return next
      })
    },
    [],
  )
  const [lightbox, setLightbox] = useState<{ items: LightboxItem[]; index: number }>()
  const showImage = useCallback((url: string) => setLightbox({ items: [{ url }], index: 0 }), [])
  const [panel, setPanel] = useState<'history' | 'gallery'>()
  const runList = useRuns(panel !== undefined)
  const [arranging, setArranging] = useState(false)
  const [search, setSearch] = useState<SearchRequest>()
  const [menu, setMenu] = useState<{ at: { x: number; y: number }; nodeId: string }>()
  const [help, setHelp] = useState(false)
  const [backendsOpen, setBackendsOpen] = useState(false)
  const freshBackends = useCallback(
    (backends: BackendInfo[]) => store.set((s) => ({ ...s, backends })),
    [store],
  )
  // what Ctrl+C copied, for when the system clipboard is out of reach
  const copied = useRef<string | undefined>(undefined)
  const stream = useRef<EventStream | undefined>(undefined)
  const statusTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

  const notify = useCallback((text: string, level: 'info' | 'error' = 'info') => {
    setStatusState({ text, level })
    clearTimeout(statusTimer.current)
    statusTimer.current = setTimeout(() => setStatusState(undefined), 10_000)
  }, [])
  const dispatch = useCallback(
    (action: RunAction) => store.set((s) => ({ ...s, run: runReducer(s.run, action) })),
    [store],
  )
  const isMulti = useCallback(
    (type: string, input: string) => specMap.get(type)?.inputs[input]?.multi ?? false,
    [specMap],
  )
  const currentDoc = useCallback(
    () => (editor ? graphToDocument(editor.read(), isMulti) : emptyDocument()),
    [editor, isMulti],
  )

  /** Store an image on the server and make it the `artifact` of a Load image node. */
  const uploadInto = useCallback(
    async (nodeId: string, file: Blob) => {
      const handle = editorRef.current
      if (!handle) return
      try {
        const ref = await api.upload(file)
        handle.setParam(nodeId, 'path', undefined)
        handle.setParam(nodeId, 'base64', undefined)
        handle.setParam(nodeId, 'artifact', ref.hash)
        notify(`Uploaded ${ref.width}x${ref.height} ${ref.mime}`)
      } catch (e) {
        notify(`Not uploaded: ${e instanceof Error ? e.message : String(e)}`, 'error')
      }
    },
    [notify],
  )
  /** Store an image and feed it to an input: the Load image node it has, or a new one. */
  const uploadInput = useCallback(
    async (nodeId: string, input: string, file: Blob) => {
      const handle = editorRef.current
      if (!handle) return
      try {
        const ref = await api.upload(file)
        const g = handle.read()
        const target = g.nodes.find((n) => n.id === nodeId)
        const kind = target && specMap.get(target.type)?.inputs[input]?.kind
        if (!target || !kind) return
        const output = kind === 'mask' ? 'mask' : 'image'
        const source = uploadedSource(g, nodeId, input, output)
        if (source) {
          handle.setParam(source, 'path', undefined)
          handle.setParam(source, 'base64', undefined)
          handle.setParam(source, 'artifact', ref.hash)
        } else {
          const at = {
            x: target.position.x - 300,
            y: target.position.y + (kind === 'mask' ? 220 : 0),
          }
          const id = await handle.addNode('image.load', at)
          handle.setParam(id, 'artifact', ref.hash)
          await handle.connect({ source: id, output, target: nodeId, input })
        }
        notify(`Uploaded ${ref.width}x${ref.height} ${ref.mime} into ${nodeId}.${input}`)
      } catch (e) {
        notify(`Not uploaded: ${e instanceof Error ? e.message : String(e)}`, 'error')
      }
    },
    [notify, specMap],
  )
  const [painter, setPainter] = useState<PainterTarget>()
  const paintMask = useCallback(
    (nodeId: string, input: string) => {
      const handle = editorRef.current
      if (!handle) return
      setPainter(painterTarget(handle.read(), nodeId, input, store.get().run))
    },
    [store],
  )
  const paintInto = useCallback(
    (loadId: string) => {
      const link = editorRef.current
        ?.read()
        .links.find((l) => l.source === loadId && l.output === 'mask')
      if (link) paintMask(link.target, link.input)
    },
    [paintMask],
  )
  // the canvas: created once the specs are known
  useEffect(() => {
    const container = canvas.current
    if (!container) return
    let handle: EditorHandle | undefined
    let gone = false
    void createEditor({
      container,
      specs: specMap,
      env: {
        store,
        showImage,
        reportInvalid,
        upload: uploadInto,
        uploadInput,
        paintMask,
        paintInto,
      },
      onChange: () => {
        setDirty(true)
        bump()
      },
      onSelect: (id) => store.set((s) => ({ ...s, selected: id })),
      notify: (text) => notify(text, 'error'),
      onSearch: (request) => {
        setMenu(undefined)
        setSearch(request)
      },
      onNodeMenu: ({ screen, nodeId }) => {
        const rect = container.getBoundingClientRect()
        setSearch(undefined)
        setMenu({ at: { x: rect.left + screen.x, y: rect.top + screen.y }, nodeId })
      },
    }).then((h) => {
      if (gone) h.destroy()
      else {
        handle = h
        editorRef.current = h
        setEditor(h)
      }
    })
    return () => {
      gone = true
      handle?.destroy()
    }
  }, [
    specMap,
    store,
    notify,
    reportInvalid,
    uploadInto,
    showImage,
    uploadInput,
    paintMask,
    paintInto,
  ])

  const follow = useCallback(
    (runId: string, since: number) => {
      stream.current?.close()
      stream.current = followRun(
        runId,
        since,
        () => store.get().run.lastSeq,
        (event) => dispatch({ type: 'event', event }),
        (reason) => notify(reason, 'error'),
      )
    },
    [dispatch, notify, store],
  )

  const loadDoc = useCallback(
    async (doc: WorkflowDocument, from: FileRef, isDirty = false) => {
      if (!editor) return
      // a run belongs to the document it ran; another document starts without one
      stream.current?.close()
      dispatch({ type: 'reset' })
      session.setActiveRun(undefined)
      const g = documentToGraph(doc)
      await editor.load(g)
      setFile(from)
      setDirty(isDirty)
      setServerIssues([])
      setGraph(g)
      // a document whose nodes would overlap as drawn here opens arranged (not an edit)
      if (hasPositions(doc) && !(await editor.overlaps())) await editor.zoomToFit()
      else await editor.arrange({ quiet: true })
      bump()
    },
    [editor, dispatch],
  )

  const openSaved = useCallback(
    async (name: string) => {
      try {
        const { doc, etag, readOnly } = await api.workflow(name)
        await loadDoc(doc, readOnly ? { name, etag, readOnly } : { name, etag })
        setUrlWorkflow(name)
        notify(`Opened ${name}`)
      } catch (e) {
        notify(e instanceof Error ? e.message : String(e), 'error')
      }
    },
    [loadDoc, notify],
  )

  // first load: ?workflow=NAME, else the draft of the last session; then the watched run
  useEffect(() => {
    if (!editor) return
    void (async () => {
      const wanted = workflowFromUrl()
      const draft = session.draft()
      // the watched run belongs to the session's document: another workflow opens without it
      const runId = !wanted || draft?.file.name === wanted ? session.activeRun() : undefined
      if (wanted && !(draft?.file.name === wanted && draft.dirty)) await openSaved(wanted)
      else if (draft) await loadDoc(draft.doc, draft.file, draft.dirty)
      if (runId) {
        session.setActiveRun(runId)
        try {
          await api.runInfo(runId)
          dispatch({ type: 'submitted', runId })
          follow(runId, 0)
        } catch {
          session.setActiveRun(undefined)
        }
      }
    })()
  }, [editor, openSaved, loadDoc, dispatch, follow])

  // after each change: re-read, lint, keep the draft
  useEffect(() => {
    if (!editor || version === 0) return
    const timer = setTimeout(() => {
      const g = editor.read()
      setGraph(g)
      session.saveDraft({ doc: graphToDocument(g, isMulti), file, dirty })
    }, 150)
    return () => clearTimeout(timer)
  }, [editor, version, file, dirty, isMulti])
  useEffect(() => {
    if (version > 0) setServerIssues([])
  }, [version])

  // the engine's own validation, on the server: the editor never judges a workflow itself
  const [checked, setChecked] = useState<Issue[]>([])
  const [estimate, setEstimate] = useState<RunEstimate>()
  useEffect(() => {
    if (specMap.size === 0) return
    const controller = new AbortController()
    api.validate(graphToDocument(graph, isMulti), controller.signal).then(
      (answer) => {
        setChecked(answer.issues)
        setEstimate(answer.estimate)
      },
      () => {},
    )
    return () => controller.abort()
  }, [graph, specMap, isMulti])
  const runIssues = useMemo(() => {
    const out: Issue[] = [...view.run.issues]
    for (const n of Object.values(view.run.nodes))
      if (n.issue && n.status !== 'running') out.push(n.issue)
    return out
  }, [view.run])
  const index = useMemo(() => {
    const seen = new Set<string>()
    const all = [
      ...fieldProblems.values(),
      ...(serverIssues.length > 0 ? serverIssues : checked),
      ...runIssues,
    ].filter((i) => {
      const key = `${i.pointer} ${i.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    return indexIssues(all)
  }, [serverIssues, checked, runIssues, fieldProblems])
  useEffect(() => {
    store.set((s) => ({ ...s, issues: index.byNode }))
  }, [index, store])
  useEffect(() => {
    store.set((s) => ({ ...s, inputImages: inputImagesOf(graph), maskLoads: maskLoadsOf(graph) }))
  }, [graph, store])

  // the backends' health and catalogs, kept fresh
  useEffect(() => {
    const timer = setInterval(() => {
      api.backends().then(
        (backends) => store.set((s) => ({ ...s, backends })),
        () => undefined,
      )
    }, 10_000)
    return () => clearInterval(timer)
  }, [store])

  const saveTo = useCallback(
    async (name: string, etag: string | undefined) => {
      if (!editor) return
      editor.setMeta({ ...editor.read().meta, name })
      const doc = currentDoc()
      const saved = await api.save(name, doc, etag)
      setFile({ name, etag: saved.etag })
      setDirty(false)
      setServerIssues([])
      setUrlWorkflow(name)
      session.saveDraft({ doc, file: { name, etag: saved.etag }, dirty: false })
      notify(`Saved ${name}`)
    },
    [editor, currentDoc, notify],
  )
  const reportSaveError = useCallback(
    (e: unknown, name: string) => {
      if (e instanceof ApiError && e.status === 412) {
        notify(
          `Conflict: ${name} changed on the server since it was opened; not overwritten. Use Save as, or reopen it.`,
          'error',
        )
      } else if (e instanceof ApiError && e.issues.length > 0) {
        setServerIssues(e.issues)
        notify(`Not saved: ${e.message}`, 'error')
      } else notify(`Not saved: ${e instanceof Error ? e.message : String(e)}`, 'error')
    },
    [notify],
  )
  const saveAsName = useCallback(
    async (name: string) => {
      try {
        await saveTo(name, undefined)
      } catch (e) {
        if (e instanceof ApiError && e.status === 412) {
          setDialog({
            kind: 'confirm',
            title: 'Replace it?',
            text: `A workflow named ${name} exists. Replace it with this one?`,
            yes: 'Replace',
            onYes: () => {
              void (async () => {
                try {
                  const { etag } = await api.workflow(name)
                  await saveTo(name, etag)
                } catch (again) {
                  reportSaveError(again, name)
                }
              })()
            },
          })
        } else reportSaveError(e, name)
      }
    },
    [saveTo, reportSaveError],
  )
  const saveAs = useCallback(() => setDialog({ kind: 'save-as' }), [])
  const save = useCallback(async () => {
    if (!file.name || file.readOnly) return saveAs()
    try {
      await saveTo(file.name, file.etag)
    } catch (e) {
      reportSaveError(e, file.name)
    }
  }, [file, saveAs, saveTo, reportSaveError])

  const run = useCallback(async () => {
    const problems = [...new Map([...fieldProblems.values()].map((i) => [i.pointer, i])).values()]
    if (problems.length > 0) {
      notify(
        `Not run: ${problems.map((i) => `${i.pointer.split('/')[2]}: ${i.message}`).join('; ')}`,
        'error',
      )
      return
    }
    try {
      const { runId } = await api.run(currentDoc())
      // the run has its document: seeds set to move on do so for the next one
      editor?.advanceSeeds()
      setServerIssues([])
      dispatch({ type: 'submitted', runId })
      session.setActiveRun(runId)
      follow(runId, 0)
    } catch (e) {
      if (e instanceof ApiError && e.issues.length > 0) setServerIssues(e.issues)
      notify(`Not run: ${e instanceof Error ? e.message : String(e)}`, 'error')
    }
  }, [currentDoc, dispatch, follow, notify, fieldProblems, editor])
  const cancel = useCallback(async () => {
    const runId = store.get().run.runId
    if (!runId) return
    try {
      await api.cancel(runId)
      notify('Cancelling…')
    } catch (e) {
      notify(e instanceof Error ? e.message : String(e), 'error')
    }
  }, [store, notify])
  /** Do `replace` at once, or after the user agreed to lose the unsaved edits. */
  const guard = useCallback(
    (what: string, replace: () => Promise<void>) => {
      if (!dirty) {
        void replace()
        return
      }
      setDialog({
        kind: 'confirm',
        title: 'Discard unsaved changes?',
        text: `${file.name ?? graph.meta.name} has changes that are not saved. ${what} replaces them.`,
        yes: 'Discard and continue',
        onYes: () => void replace(),
      })
    },
    [dirty, file.name, graph.meta.name],
  )
  /** Open a run's workflow again, with the inputs it ran with (as an unsaved document). */
  const restoreRun = useCallback(
    async (runId: string) => {
      try {
        const detail = await api.runDetail(runId)
        if (!isDocument(detail.document)) {
          notify(`Run ${runId} kept no workflow to restore`, 'error')
          return
        }
        const doc = restoredDocument(detail.document, detail.inputs ?? {}, specMap)
        guard(`Restoring run ${detail.workflow}`, async () => {
          setUrlWorkflow(undefined)
          await loadDoc(doc, {}, true)
          notify(`Restored ${detail.workflow} as it ran (${runId})`)
        })
      } catch (e) {
        notify(`Not restored: ${e instanceof Error ? e.message : String(e)}`, 'error')
      }
    },
    [specMap, guard, loadDoc, notify],
  )
  const newDoc = useCallback(() => {
    guard('A new workflow', async () => {
      setUrlWorkflow(undefined)
      await loadDoc(emptyDocument(), {})
    })
  }, [guard, loadDoc])

  const onDrop = useCallback(
    async (event: React.DragEvent) => {
      event.preventDefault()
      const dropped = event.dataTransfer.files[0]
      if (!dropped) return
      try {
        const bytes = new Uint8Array(await dropped.arrayBuffer())
        const doc = workflowFromFile(bytes)
        // a plain image (no workflow inside): a Load image node holding it
        if (doc === undefined && isImageFile(bytes) && editorRef.current) {
          const id = await editorRef.current.addNode('image.load')
          await uploadInto(id, dropped)
          return
        }
        if (!isDocument(doc)) {
          notify(`${dropped.name} holds no sdflow workflow`, 'error')
          return
        }
        guard(`Loading ${dropped.name}`, async () => {
          setUrlWorkflow(undefined)
          await loadDoc(doc, {}, true)
          notify(`Loaded ${doc.name ?? 'a workflow'} from ${dropped.name}`)
        })
      } catch (e) {
        notify(
          `Cannot read ${dropped.name}: ${e instanceof Error ? e.message : String(e)}`,
          'error',
        )
      }
    },
    [loadDoc, notify, guard, uploadInto],
  )

  const copyNodes = useCallback(
    (ids: string[]) => {
      if (!editor || ids.length === 0) return
      const text = JSON.stringify(fragmentOf(editor.read(), new Set(ids), isMulti), null, 2)
      copied.current = text
      navigator.clipboard?.writeText(text).catch(() => undefined)
      notify(`Copied ${ids.length} node${ids.length === 1 ? '' : 's'}`)
    },
    [editor, isMulti, notify],
  )
  const pasteText = useCallback(
    async (text: string | undefined, at: { x: number; y: number }) => {
      if (!editor) return
      const doc = text === undefined ? undefined : parseFragment(text)
      if (!doc || Object.keys(doc.nodes).length === 0) {
        notify('Nothing to paste: the clipboard holds no sdflow nodes', 'error')
        return
      }
      const { nodes, links } = pastedGraph(doc, editor.ids(), at)
      await editor.addGraph(nodes, links)
      notify(`Pasted ${nodes.length} node${nodes.length === 1 ? '' : 's'}`)
    },
    [editor, notify],
  )
  const paste = useCallback(async () => {
    if (!editor) return
    let text: string | undefined
    try {
      text = await navigator.clipboard.readText()
    } catch {
      text = undefined
    }
    if (!text || !parseFragment(text)) text = copied.current
    await pasteText(text, editor.pointer())
  }, [editor, pasteText])
  const duplicate = useCallback(
    async (ids: string[]) => {
      if (!editor || ids.length === 0) return
      const g = editor.read()
      const chosen = g.nodes.filter((n) => ids.includes(n.id))
      const at = {
        x: Math.min(...chosen.map((n) => n.position.x)) + 40,
        y: Math.min(...chosen.map((n) => n.position.y)) + 40,
      }
      await pasteText(JSON.stringify(fragmentOf(g, new Set(ids), isMulti)), at)
    },
    [editor, isMulti, pasteText],
  )
  const openSearch = useCallback(() => {
    if (!editor) return
    setSearch({ screen: editor.screenPointer(), at: editor.pointer() })
  }, [editor])
  const addFromSearch = useCallback(
    async (type: string, socket: string | undefined) => {
      const request = search
      setSearch(undefined)
      if (!editor || !request) return
      const id = await editor.addNode(type, request.at)
      const end = request.end
      if (end && socket) {
        await editor.connect(
          end.side === 'output'
            ? { source: end.nodeId, output: end.key, target: id, input: socket }
            : { source: id, output: socket, target: end.nodeId, input: end.key },
        )
      }
    },
    [editor, search],
  )

  useKeyboard(editor, {
    copy: () => copyNodes(editor?.selectedIds() ?? []),
    paste: () => void paste(),
    duplicate: () => void duplicate(editor?.selectedIds() ?? []),
    bypass: () => editor?.toggleBypass(editor.selectedIds()),
    save: () => void save(),
    run: () => void run(),
    search: openSearch,
    help: () => setHelp(true),
  })
  useEffect(() => () => stream.current?.close(), [])

  /** A right-clicked node acts with the selection it belongs to, else alone. */
  const targets = (nodeId: string) => {
    const selected = editor?.selectedIds() ?? []
    return selected.includes(nodeId) ? selected : [nodeId]
  }
  const removeNodes = async (nodeId: string) => {
    if (!editor) return
    if (!editor.selectedIds().includes(nodeId)) await editor.selectOnly(nodeId)
    await editor.deleteSelected()
  }

  const selectedNode = graph.nodes.find((n) => n.id === view.selected)
  const title = file.name ?? `${graph.meta.name} (unsaved)`
  return (
    <div className="app">
      <Toolbar
        title={title}
        dirty={dirty}
        phase={view.run.phase}
        actions={{
          newDoc,
          open: () => setDialog({ kind: 'open' }),
          save: () => void save(),
          saveAs,
          run: () => void run(),
          cancel: () => void cancel(),
          arrange: () => {
            if (!editor) return
            setArranging(true)
            editor.arrange().finally(() => setArranging(false))
          },
          fit: () => void editor?.zoomToFit(),
          undo: () => void editor?.undo(),
          redo: () => void editor?.redo(),
          backends: () => setBackendsOpen((open) => !open),
        }}
        extra={
          <>
            <button
              type="button"
              data-testid="history-button"
              aria-pressed={panel === 'history'}
              onClick={() => setPanel(panel === 'history' ? undefined : 'history')}
            >
              History
            </button>
            <button
              type="button"
              data-testid="gallery-button"
              aria-pressed={panel === 'gallery'}
              onClick={() => setPanel(panel === 'gallery' ? undefined : 'gallery')}
            >
              Gallery
            </button>
          </>
        }
      />
      <StatusBar status={status} />
      <Palette specs={specs} onAdd={(type) => void editor?.addNode(type)} />
      <main
        className="canvas"
        ref={canvas}
        data-testid="canvas"
        data-busy={arranging ? 'arranging' : undefined}
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => void onDrop(e)}
      />
      <Inspector
        node={selectedNode}
        spec={selectedNode ? specMap.get(selectedNode.type) : undefined}
        issues={selectedNode ? (index.byNode.get(selectedNode.id) ?? []) : []}
        backends={view.backends}
        onParam={(id, key, value) => editor?.setParam(id, key, value)}
        onInvalid={(id, key, message) => reportInvalid('inspector', id, key, message)}
        meta={graph.meta}
        taken={new Set(graph.nodes.map((n) => n.id))}
        onRename={(from, to) => {
          if (!editor) return
          editor.setMeta(renameInContract(editor.read().meta, from, to))
          void editor.renameNode(from, to)
        }}
        onExpose={(nodeId, side, key, name) => {
          if (!editor) return
          editor.setMeta(expose(editor.read().meta, side, nodeId, key, name))
          setDirty(true)
          bump()
        }}
      />
      <RunLog run={view.run} general={index.general} estimate={estimate} />
      {dialog?.kind === 'open' ? (
        <OpenDialog
          onClose={() => setDialog(undefined)}
          onOpen={(name) => {
            setDialog(undefined)
            guard(`Opening ${name}`, () => openSaved(name))
          }}
        />
      ) : null}
      {dialog?.kind === 'save-as' ? (
        <NameDialog
          title={file.readOnly ? `Save a copy of the example ${file.name}` : 'Save workflow as'}
          initial={file.readOnly ? `my-${file.name}` : (file.name ?? graph.meta.name)}
          check={nameProblem}
          onClose={() => setDialog(undefined)}
          onSubmit={(name) => {
            setDialog(undefined)
            void saveAsName(name)
          }}
        />
      ) : null}
      {dialog?.kind === 'confirm' ? (
        <ConfirmDialog
          title={dialog.title}
          text={dialog.text}
          yes={dialog.yes}
          onNo={() => setDialog(undefined)}
          onYes={() => {
            setDialog(undefined)
            dialog.onYes()
          }}
        />
      ) : null}
      {search && canvas.current ? (
        <NodeSearch
          specs={specs}
          bounds={canvas.current.getBoundingClientRect()}
          screen={search.screen}
          end={search.end}
          onClose={() => setSearch(undefined)}
          onPick={(hit) => void addFromSearch(hit.spec.type, hit.socket)}
        />
      ) : null}
      {menu ? (
        <NodeMenu
          at={menu.at}
          onClose={() => setMenu(undefined)}
          items={[
            { label: 'Copy', shortcut: 'Ctrl+C', run: () => copyNodes(targets(menu.nodeId)) },
            {
              label: 'Duplicate',
              shortcut: 'Ctrl+D',
              run: () => void duplicate(targets(menu.nodeId)),
            },
            {
              label: 'Bypass',
              shortcut: 'Ctrl+B',
              run: () => editor?.toggleBypass(targets(menu.nodeId)),
            },
            { label: 'Paste', shortcut: 'Ctrl+V', run: () => void paste() },
            { label: 'Delete', shortcut: 'Del', run: () => void removeNodes(menu.nodeId) },
          ]}
        />
      ) : null}
      {help ? <Shortcuts onClose={() => setHelp(false)} /> : null}
      {backendsOpen ? (
        <BackendsView onClose={() => setBackendsOpen(false)} onBackends={freshBackends} />
      ) : null}
      {panel === 'history' ? (
        <HistoryPanel
          runs={runList.runs}
          error={runList.error}
          onShow={(items, index) => setLightbox({ items, index })}
          onRestore={(id) => void restoreRun(id)}
          onClose={() => setPanel(undefined)}
        />
      ) : null}
      {panel === 'gallery' ? (
        <Gallery
          runs={runList.runs}
          error={runList.error}
          onShow={(items, index) => setLightbox({ items, index })}
          onClose={() => setPanel(undefined)}
        />
      ) : null}
      {painter ? (
        <MaskPainter
          target={painter}
          onClose={() => setPainter(undefined)}
          onApply={(mask) => {
            setPainter(undefined)
            void uploadInput(painter.nodeId, painter.input, mask)
          }}
        />
      ) : null}
      {lightbox ? (
        <Lightbox
          items={lightbox.items}
          start={lightbox.index}
          onClose={() => setLightbox(undefined)}
        />
      ) : null}
    </div>
  )
}
