/**
 * The chat view's script: builds the view, says `ready`, then applies what the host sends. The host
 * owns the transcript; this side owns only the draft and the scroll position (kept with setState,
 * so both survive the view being hidden).
 */
import type { HostMessage, KeyState, ModelOption } from '../shared/protocol';
import { Composer } from './composer';
import { icon } from './icons';
import { TranscriptView } from './transcript';
import { connectToHost } from './vscodeApi';

const host = connectToHost();
let nextRequestId = 1;
/** Sends the host has not answered yet, so a refused one can give its text back. */
const pendingSends = new Map<number, string>();
/** Text put back into the input after a failure; Retry clears it again. */
let restoredText: string | undefined;
let firstState = true;
let saveQueued = false;

const app = document.createElement('div');
app.className = 'app';

// ----- toolbar: model picker, new chat
const toolbar = document.createElement('header');
toolbar.className = 'toolbar';
const pickerLabel = document.createElement('label');
pickerLabel.className = 'model-picker';
const pickerCaption = document.createElement('span');
pickerCaption.className = 'model-picker-caption';
pickerCaption.textContent = 'Model';
const picker = document.createElement('select');
picker.setAttribute('aria-label', 'Model that answers');
pickerLabel.append(pickerCaption, picker);
const spacer = document.createElement('span');
spacer.className = 'spacer';
const newChat = toolbarButton('plus', 'New chat', 'New Chat');
toolbar.append(pickerLabel, spacer, newChat);

// ----- demo mode: say so, always visible
const demoBanner = document.createElement('div');
demoBanner.className = 'demo-banner';
demoBanner.hidden = true;
const demoBadge = document.createElement('span');
demoBadge.className = 'demo-badge';
demoBadge.textContent = 'Demo: built-in fake fleet';
const demoHint = document.createElement('span');
demoHint.className = 'demo-hint';
demoHint.textContent = '';
const demoKeyLink = document.createElement('button');
demoKeyLink.type = 'button';
demoKeyLink.className = 'link-button';
demoKeyLink.textContent = 'Set an API key';
demoHint.append(demoKeyLink, ' for real models');
demoBanner.title = 'No API key is set, so the relay runs against a fake fleet of models on this machine.';
demoBanner.append(demoBadge, demoHint);

// ----- no key: a call to action instead of a failure at send time
const keyPanel = document.createElement('section');
keyPanel.className = 'key-cta';
keyPanel.setAttribute('aria-labelledby', 'key-cta-title');
keyPanel.hidden = true;
const keyTitle = document.createElement('h2');
keyTitle.id = 'key-cta-title';
keyTitle.textContent = 'Set an API key to start';
const keyText = document.createElement('p');
keyText.textContent = 'HolySheep Router needs a key for at least one endpoint. It is kept in VS Code’s secret storage and sent only to that endpoint. You can type your question meanwhile: it waits here.';
const keyButton = document.createElement('button');
keyButton.type = 'button';
keyButton.className = 'action-button primary';
keyButton.append(icon('key'), Object.assign(document.createElement('span'), { textContent: 'Set API Key' }));
const keyIcon = document.createElement('div');
keyIcon.className = 'key-cta-icon';
keyIcon.append(icon('key'));
keyPanel.append(keyIcon, keyTitle, keyText, keyButton);

const transcript = new TranscriptView({
  post: (message) => host.post(message),
  onRetry: () => {
    if (restoredText !== undefined && composer.draft === restoredText) composer.draft = '';
    restoredText = undefined;
  },
  onScroll: () => queueSave(),
});

const notice = document.createElement('div');
notice.className = 'notice';
notice.setAttribute('role', 'status');
notice.setAttribute('aria-live', 'polite');
notice.hidden = true;

const composer = new Composer({
  send: (text) => {
    const requestId = nextRequestId++;
    pendingSends.set(requestId, text);
    restoredText = undefined;
    showNotice('');
    host.post({ type: 'send', requestId, text, model: picker.value || 'auto' });
  },
  stop: () => host.post({ type: 'stop' }),
  blocked: () => {
    keyPanel.classList.remove('attention');
    // Restart the animation on every press.
    void keyPanel.offsetWidth;
    keyPanel.classList.add('attention');
    keyButton.focus();
  },
  draftChanged: () => save(),
});

app.append(toolbar, demoBanner, keyPanel, transcript.element, notice, composer.element);
document.body.append(app);

composer.draft = host.savedState?.draft ?? '';

newChat.addEventListener('click', () => host.post({ type: 'newChat' }));
keyButton.addEventListener('click', () => host.post({ type: 'setApiKey' }));
demoKeyLink.addEventListener('click', () => host.post({ type: 'setApiKey' }));
picker.addEventListener('change', () => host.post({ type: 'selectModel', model: picker.value }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && composer.element.classList.contains('busy') && !event.defaultPrevented) host.post({ type: 'stop' });
});
// Focus given to the view (its title clicked, Explain Selection) goes on to the input.
window.addEventListener('focus', () => {
  if (document.activeElement === document.body || document.activeElement === null) composer.focus();
});
window.addEventListener('message', (event: MessageEvent<HostMessage>) => onHostMessage(event.data));

host.post({ type: 'ready' });

function onHostMessage(message: HostMessage): void {
  if (typeof message !== 'object' || message === null) return;
  switch (message.type) {
    case 'state':
      transcript.setEntries(message.entries);
      setBusy(message.busy);
      setKeyState(message.keyState);
      setModels(message.models, message.selectedModel);
      if (firstState) {
        firstState = false;
        transcript.restoreScroll(host.savedState ? { top: host.savedState.scrollTop, atBottom: host.savedState.atBottom } : undefined);
      }
      break;
    case 'keyState':
      setKeyState(message.keyState);
      break;
    case 'models':
      setModels(message.models, message.selectedModel);
      break;
    case 'busy':
      setBusy(message.busy);
      break;
    case 'entryAdded':
      transcript.add(message.entry);
      break;
    case 'entriesRemoved':
      transcript.remove(message.ids);
      break;
    case 'cleared':
      transcript.clear();
      break;
    case 'route':
      transcript.route(message.id, message.progress);
      break;
    case 'delta':
      transcript.delta(message.id, message.text, message.reasoning);
      break;
    case 'answerEnded':
      transcript.answerEnded(message.entry);
      break;
    case 'sendResult': {
      const text = pendingSends.get(message.requestId);
      pendingSends.delete(message.requestId);
      if (!message.accepted && text !== undefined) {
        composer.restore(text);
        showNotice(message.reason ?? 'The message was not sent.');
      }
      break;
    }
    case 'restoreDraft':
      composer.restore(message.text);
      restoredText = composer.draft === message.text ? message.text : undefined;
      break;
  }
}

function setBusy(busy: boolean): void {
  composer.setBusy(busy);
  transcript.setBusy(busy);
}

function setKeyState(state: KeyState): void {
  keyPanel.hidden = state.hasKey;
  demoBanner.hidden = !state.demo;
  composer.setBlocked(state.hasKey ? undefined : 'Set an API key first.');
  if (state.hasKey) keyPanel.classList.remove('attention');
  app.classList.toggle('no-key', !state.hasKey);
}

function setModels(models: readonly ModelOption[], selected: string): void {
  const options = [option('auto', 'Auto', 'The best healthy model by cost, error rate and latency; fails over automatically')];
  for (const model of models) options.push(option(model.id, model.id, model.detail));
  if (selected !== 'auto' && !models.some((m) => m.id === selected)) options.push(option(selected, `${selected} (unavailable)`, 'Not an enabled model: requests go to the others'));
  picker.replaceChildren(...options);
  picker.value = selected;
  picker.title = options.find((o) => o.value === selected)?.title ?? '';
}

function option(value: string, label: string, title: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = label;
  element.title = title;
  return element;
}

function toolbarButton(name: 'plus', label: string, caption: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'toolbar-button';
  button.setAttribute('aria-label', label);
  button.title = label;
  const text = document.createElement('span');
  text.textContent = caption;
  button.append(icon(name), text);
  return button;
}

function showNotice(text: string): void {
  notice.textContent = text;
  notice.hidden = !text;
}

/** Saves now: a hidden view may be torn down before the next frame, and the draft must survive that. */
function save(): void {
  // Until the first state arrives the transcript is empty: keep the saved position, not its 0.
  const saved = host.savedState;
  const scroll = firstState && saved ? { top: saved.scrollTop, atBottom: saved.atBottom } : transcript.scrollPosition;
  host.save({ draft: composer.draft, scrollTop: scroll.top, atBottom: scroll.atBottom });
}

/** Scrolling fires often: save at most once a frame. */
function queueSave(): void {
  if (saveQueued) return;
  saveQueued = true;
  requestAnimationFrame(() => {
    saveQueued = false;
    save();
  });
}
