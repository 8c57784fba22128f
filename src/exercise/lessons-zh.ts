// The walkthroughs in Chinese, the language of the teaching note (../shared/seed): the same
// lessons, step for step, as lessons.ts has them in English. Terms follow the note: 三次握手,
// 四次挥手, 半连接队列, 报文, 序列号, 确认号, 全双工; state names and flags stay as the RFC and
// tcpdump print them. A test checks every lesson has these texts, with as many steps.
import { giveUpSeconds, type LessonText, type Ui, type WalkthroughName } from './lessons.js';

export const UI_ZH: Ui = {
  walkthrough: '演练',
  step: '步骤',
  question: '问题',
  answer: '答案',
  checkIt: '验证一下：',
  typeToCheck: (command) => `输入  ${command}  验证你的答案（help 列出所有命令，quit 退出）。`,
  pressEnter: '（按回车进入下一步）',
  atPause: (typed) => `  两步之间不执行“${typed}”：按回车进入下一步，或输入 quit（q）退出；state、trace、isns、queue 只是查看，可以执行。`,
  lessonCheckFailed: (want, fsm, kernel) => `✗ 这一步之后目标应处于 ${want}；FSM 认为是 ${fsm}，内核是 ${kernel}`,
  timerMovedOn: (want, now) => `  （这一步曾让目标进入 ${want}；之后一个定时器把它带到了 ${now}：见上面的 ⏱）`,
  labSettings: (settings) => `本课的实验环境：${settings}（足够你慢慢阅读；可用 --lab-sysctl 修改）`,
  done: (problems) => (problems === 0 ? '演练结束：FSM 与内核在每一步都一致。' : `演练结束：FSM 与内核有 ${problems} 处不一致（上面以 ✗ 标出）。`),
  replIntro: [
    'tcpfsm exercise：你扮演探测端（probe）；目标是网络命名空间里的一个 Linux 内核。',
    '试试： listen 8080   connect   syn   ack   state   trace   （help 列出所有命令；Tab 补全）',
  ],
  labReady: '实验环境就绪：目标是本机的 Linux 内核，运行在它自己的网络命名空间里。',
  settingUp: '正在搭建实验环境…',
};

const OPEN = { title: '建立连接', say: ['目标的应用在 8080 端口监听；我们发起连接并完成三次握手', '（细节见 --walkthrough handshake）。'] };

export const LESSONS_ZH: Readonly<Record<WalkthroughName, LessonText>> = {
  handshake: {
    title: '三次握手',
    summary: 'SYN、SYN+ACK、ACK：LISTEN → SYN-RECEIVED → ESTABLISHED，以及 seq/ack 的计算',
    intro: [
      '你扮演客户端：tcpfsm 逐个构造报文，发给一个真实的 Linux 内核，也就是目标（target）。',
      '每一步之后你会看到报文（tcpdump 的格式）、RFC 9293 有限状态机（FSM）预测的目标状态，',
      '以及目标内核真实所处的状态（用 ss 读出）。',
      '序列号都是相对于双方各自初始序列号（ISN）的值，和 tcpdump 的显示方式一样。',
    ],
    steps: [
      {
        title: '被动打开',
        say: ['服务端应用调用 listen()：它的 socket 进入 LISTEN 状态，等待 SYN。', '我们从探测端向这个端口建立一条脚本化的连接；此时还没有发送任何报文。'],
      },
      {
        title: '第一次握手：SYN',
        say: [
          '我们的 SYN 携带我们的 ISN x（相对序列号 0）。SYN 占用一个序列号，所以目标在 SYN+ACK 中',
          '确认 x+1（ack 1），同时带上它自己的 ISN y（它的相对序列号 0）。',
          '目标此时处于 SYN-RECEIVED，等待对它的 SYN 的确认。',
        ],
      },
      {
        title: '第三次握手：ACK',
        say: [
          '我们确认目标的 SYN：seq x+1，ack y+1（相对值：seq 1，ack 1），目标进入 ESTABLISHED。',
          '单纯的 ACK 不占用序列号：我们下一个字节的序号仍然是 1。',
        ],
      },
      {
        title: '数据',
        say: ['现在我们发送 "hello"：5 个字节，编号 1 到 5（tcpdump 显示为 seq 1:6）。', '目标确认 6，也就是它期望从我们这里收到的下一个字节的序号。'],
      },
    ],
    ask: ['我们下一个字节的相对序列号是多少？目标期望从我们这里收到的下一个序号又是多少？'],
    answer: ['都是 6：我们的 ISN，SYN 加 1，"hello" 加 5（我们这边 SND.NXT 为 6，目标那边 RCV.NXT 为 6）。', 'FSM 和内核都说 ESTABLISHED。'],
  },
  close: {
    title: '关闭连接：四次挥手',
    summary: 'FIN、ACK、FIN、ACK：每个方向各自关闭（CLOSE-WAIT、LAST-ACK、CLOSED）',
    intro: ['任何一方都可以先关闭。这里由我们（探测端）先关闭，即主动关闭，就像图中的客户端；', '目标被动关闭：先 CLOSE-WAIT，再 LAST-ACK，最后 CLOSED。'],
    steps: [
      OPEN,
      {
        title: '我们的 FIN',
        say: [
          '我们在 seq u（相对值 1）发送 FIN（带 ACK）。FIN 和 SYN 一样占用一个序列号，所以目标',
          '确认 u+1（ack 2）并进入 CLOSE-WAIT：我们不再发送数据，但它仍然可以发送。',
        ],
      },
      {
        title: '目标的 FIN',
        say: (v) => [
          '目标的应用（通过实验环境的 agent）调用 close()。它的内核发出自己的 FIN，',
          '进入 LAST-ACK，等待这个 FIN 被确认。在你阅读的时候，它的定时器每超时一次就重传一次 FIN（↻），',
          `最多 tcp_orphan_retries = ${v.sysctl('tcp_orphan_retries')} 次。`,
        ],
      },
      {
        title: '我们最后的 ACK',
        say: [
          '我们确认目标的 FIN（ack w+1）。目标进入 CLOSED：它的 socket 没有了。',
          '先关闭的一方（我们）此时应进入 TIME-WAIT 等待：见 --walkthrough time-wait。',
        ],
      },
    ],
    ask: ['为什么建立连接用了三个报文，关闭却用了四个？', '看看梯形图：目标哪两个报文没法合并成一个？'],
    answer: [
      'TCP 是全双工的：每个方向都由自己的 FIN 和对这个 FIN 的 ACK 来关闭。目标立刻确认了我们的 FIN，',
      '但直到它的应用调用 close() 才发出自己的 FIN，所以它的 ACK 和 FIN 是分开发的。',
      '（如果应用关闭得足够快，两者可以合在一个报文里：一共三个报文。）',
    ],
  },
  'lost-ack': {
    title: '第三次握手丢失',
    summary: '最后的 ACK 一直没到：SYN+ACK 被重传（1 秒、2 秒……），然后半连接被丢弃',
    intro: (v) => [
      '如果客户端最后的 ACK 丢了会怎样？目标停在 SYN-RECEIVED，重传它的 SYN+ACK，',
      '每次把超时时间翻倍（1 秒、2 秒、4 秒……），直到用完 tcp_synack_retries 次重传',
      `（本实验环境：${v.sysctl('tcp_synack_retries')}；Linux 默认 5），然后把这个半连接从半连接队列中删除：`,
      `大约在第一个 SYN+ACK 之后 ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} 秒。`,
    ],
    steps: [
      {
        title: '握手只做了一半',
        say: [
          '目标在监听，我们发送 SYN：它回 SYN+ACK，进入 SYN-RECEIVED。',
          '这次我们不回应：我们的 ACK “丢了”。从现在起，它重传的 SYN+ACK',
          '一到就会显示出来（↻），即使你还在阅读。',
        ],
      },
      {
        title: '重传，然后放弃',
        say: (v) => [
          'FSM 没有时钟，所以我们告诉它重传定时器将会放弃，然后等待内核：',
          `它的 SYN+ACK 会在 1 秒、2 秒、4 秒……之后再次到来（共 ${v.sysctl('tcp_synack_retries')} 次），然后内核丢弃这个连接，`,
          `大约在第一个 SYN+ACK 之后 ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} 秒。只有这个半连接被删除；监听的 socket 还在。`,
        ],
      },
    ],
    ask: ['那个“丢失”的 ACK 现在终于到了。目标会怎么回应？'],
    answer: [
      '一个 RST，它的 seq 等于我们 ACK 报文的确认号：已经没有匹配的连接了，监听 socket 对一个无法归属的',
      'ACK 回以复位（RFC 9293 3.10.7.2）。客户端由此得知连接从未建立。',
    ],
  },
  'time-wait': {
    title: 'TIME-WAIT 与 2MSL',
    summary: '先关闭的一方要在 TIME-WAIT 中等待 2MSL：为什么，等多久（Linux：60 秒）',
    intro: [
      '发出第一个 FIN 的一方最后进入 TIME-WAIT，并停留 2MSL，即两倍的报文最大生存时间',
      '（Maximum Segment Lifetime）。这里由目标先关闭，所以处于 TIME-WAIT 的是它的内核，ss 会显示定时器。',
    ],
    steps: [
      OPEN,
      { title: '目标先关闭', say: ['目标的应用调用 close()：它的内核发送 FIN，进入 FIN-WAIT-1。'] },
      {
        title: '我们确认它的 FIN',
        say: (v) => [
          '我们的 ACK 让目标进入 FIN-WAIT-2：它那个方向已经关闭，我们这个方向还开着。',
          `它的应用已经关闭了 socket，所以 Linux 给 FIN-WAIT-2 设了上限：tcp_fin_timeout = ${v.sysctl('tcp_fin_timeout')} 秒。`,
        ],
      },
      { title: '我们的 FIN', say: ['现在我们也关闭。目标确认我们的 FIN，进入 TIME-WAIT。', '`state` 会像 ss -o 那样显示内核的 TIME-WAIT 定时器。'] },
      {
        title: '为什么要等：最后的 ACK 可能丢失',
        say: [
          '我们让定时器走 8 秒。然后假设目标最后的 ACK 丢了：我们会重传 FIN，',
          '序列号不变（SND.NXT 减 1）。目标仍在 TIME-WAIT，记得这个连接：它再次确认',
          '这个 FIN，并重新启动定时器。如果没有 TIME-WAIT，它会回 RST，而不是干净地关闭。',
        ],
      },
      {
        title: '为什么是 2MSL',
        say: [
          'MSL 是报文在网络中能存在的最长时间：RFC 793 规定为 2 分钟，所以 TIME-WAIT 持续 4 分钟。',
          'Linux 固定用 60 秒（TCP_TIMEWAIT_LEN，编译在内核里，不是 sysctl）。等待 2MSL 既给丢失的最后 ACK',
          '留出补救的时间，也让旧的重复报文在同样的端口被再次使用之前消失。',
        ],
      },
    ],
    ask: ['从现在起，目标的 socket 还会在 TIME-WAIT 中停留多久？', '调小 tcp_fin_timeout 能缩短它吗？'],
    answer: [
      '大约 60 秒：我们重复的 FIN 被确认时定时器重新开始了；ss 显示剩余的时间。',
      '不能：tcp_fin_timeout 是孤儿 socket 的 FIN-WAIT-2 超时；Linux 的 TIME-WAIT 时长是固定的。',
    ],
  },
  'half-close': {
    title: '半关闭：一次关一个方向',
    summary: 'shutdown(SHUT_WR) 只关闭发送方向：另一个方向的数据照常流动',
    intro: [
      'TCP 是全双工的，一个 FIN 只关闭一个方向：“我没有数据要发了”。调用',
      'shutdown(SHUT_WR) 之后，应用不能再发送，但仍然可以接收：连接处于半关闭状态。',
    ],
    steps: [
      OPEN,
      { title: '目标停止发送', say: ['目标的应用调用 shutdown(SHUT_WR)：它的内核发送 FIN，进入 FIN-WAIT-1。'] },
      { title: '我们确认它的 FIN', say: ['我们的 ACK 让目标进入 FIN-WAIT-2。它的发送方向关闭了；我们的还开着。'] },
      {
        title: '半关闭连接上的数据',
        say: [
          '我们仍然发送数据。处于 FIN-WAIT-2 的目标接收它，并确认这 5 个字节（ack 6）。',
          '反过来也是同样的规则：处于 CLOSE-WAIT 的一方已经收到 FIN，但仍然可以发送。',
        ],
      },
      { title: '我们也关闭', say: ['我们的 FIN 关闭另一个方向。目标确认它，并且因为它先关闭，进入 TIME-WAIT 等待。'] },
    ],
    ask: ['目标的应用在关闭了自己的发送方向之后，真的收到 "hello" 了吗？'],
    answer: [
      '收到了：read() 返回这 5 个字节，然后是流结束（我们的 FIN）。shutdown(SHUT_WR) 只关闭了它的发送方向。',
      '如果它调用的是 close()，就没有人读了：Linux 对这种 socket 收到的数据回 RST。',
    ],
  },
  reset: {
    title: '复位报文（RST）以及内核如何检查它',
    summary: '序号精确的 RST 立即关闭连接，窗口内的 RST 得到挑战 ACK，窗口外的被忽略',
    intro: ['RST 不经过 FIN 交换就中止连接。任何猜到端口的人都可能伪造一个，所以', 'RFC 5961 3.2 只接受序列号恰好等于期望的下一个序号（RCV.NXT）的 RST。'],
    steps: [
      OPEN,
      {
        title: '窗口内但不精确的 RST',
        say: [
          '我们在 seq+100 发送 RST：在目标的接收窗口内，但不在 RCV.NXT。目标不关闭连接：',
          '它发出一个“挑战 ACK”（challenge ACK），带着真实的序号。一个真的丢了连接的对端会用精确的 RST',
          '回应它；而盲目攻击的人根本看不到它。',
        ],
      },
      { title: '窗口外的 RST', say: ['这次远在窗口之外（前方 2^30）：目标悄悄丢弃它（RFC 9293 3.10.7.4 第一项检查）。'] },
      { title: '精确的 RST', say: ['seq 等于 RCV.NXT 的 RST：目标立即中止连接，什么也不回。'] },
    ],
    ask: ['目标那边这个连接已经没了。如果我们现在在上面发送数据，它会怎么回应？'],
    answer: [
      '一个 seq 等于我们确认号的 RST：连接已经没了，端口的监听 socket 对无法归属的 ACK 回以复位',
      '（RFC 9293 3.10.7.2；没有人监听的端口对 RST 以外的任何报文也这样做，3.10.7.1）。',
    ],
  },
  isn: {
    title: '初始序列号：每次都不一样',
    summary: '把几个连接真实的 ISN 并排放在一起：为什么各不相同，为什么可预测的 ISN 很危险',
    intro: [
      '连接建立时，双方各自选择一个初始序列号（ISN），从它开始给自己的字节编号。',
      '本工具在别处都显示相对于 ISN 的序号（和 tcpdump 一样）；这里我们看真实的值。',
    ],
    steps: [
      {
        title: '第一个连接',
        say: ['我们的 SYN 带着我们的 ISN，目标的 SYN+ACK 带着它自己的。然后我们用 RST 复位这个', '半连接：这里只关心 ISN，端口随即回到监听 socket 手里。'],
      },
      { title: '再来三个连接', say: ['同样的过程再做三次，每次用一个新的探测端口（新的四元组），相隔几毫秒。'] },
      { title: '并排比较', say: ['`isns` 打印真实的 ISN。目标的 ISN 在整个 32 位空间里跳来跳去：', '从一个连接到下一个连接的差值，推不出再下一个。'] },
      {
        title: '再用同一个四元组',
        say: [
          'RFC 6528：ISN = M + F(四元组, 密钥)，M 是一个时钟，F 是带密钥的哈希。从连接 1 的端口再次连接，',
          'F 不变，所以两个 ISN 之差只剩时钟部分：Linux 每 64 纳秒加一',
          '（大约每秒 1560 万；RFC 793 的时钟是每 4 微秒加一）。',
        ],
      },
      {
        title: '为什么这很重要',
        say: [
          '如果 ISN 可以预测（早期的 BSD 每个连接加 64000），攻击者即使看不到目标的回应，也能猜出 y：',
          '用伪造的源地址发 SYN，再发 ack 为 y+1 的第三次握手，目标就会相信一个从未发起连接的主机',
          '建立了连接（Mitnick，1994 年；RFC 1948）。猜中的 ISN 还能让盲目攻击者把 RST 和数据',
          '打进一个正在使用的连接的窗口里。',
        ],
      },
    ],
    ask: ['你能预测从一个新端口（比如 40006）发起的连接，目标会用什么 ISN 吗？'],
    answer: [
      '不能：不同四元组之间的差值看起来是随机的（带密钥的哈希 F，密钥只有目标知道）。',
      '只有重复使用的四元组会按时钟 M 可预测地前进：这让它的新序号总在旧连接的序号前面。',
    ],
  },
  'syn-queue': {
    title: '半连接（SYN）队列与 SYN cookie',
    summary: '半连接在一个有长度限制的队列里等待：里面存什么，什么会让它溢出，SYN cookie 如何照样应答',
    intro: (v) => [
      '监听 socket 把每个半连接（收到了 SYN、发出了 SYN+ACK、还没收到 ACK）放在它的半连接队列里。',
      'Linux 为每一项保存一个小小的请求 socket，而不是完整的 socket：双方的地址和端口、双方的 ISN、',
      '客户端提供的选项（MSS、窗口扩大因子、SACK、时间戳），以及 SYN+ACK 的重传次数和定时器。',
      `这里每一项大约存活 ${giveUpSeconds(v.sysctl('tcp_synack_retries'))} 秒（tcp_synack_retries = ${v.sysctl('tcp_synack_retries')}），SYN cookie 一开始是关闭的（tcp_syncookies = ${v.sysctl('tcp_syncookies')}）。`,
    ],
    steps: [
      {
        title: 'backlog 很小的监听 socket',
        say: (v) => [
          `listen(fd, 4) 请求的 backlog 是 4；内核把它限制在 net.core.somaxconn 以内（这里是 ${v.sysctl('somaxconn')}）。`,
          'Linux 用它限制两个队列：半连接队列中的项数超过 backlog 就算满了。',
          `关闭 SYN cookie 时，半连接队列超过 tcp_max_syn_backlog 的 3/4 也会丢弃 SYN（这里是 ${v.sysctl('tcp_max_syn_backlog')}）。`,
        ],
      },
      {
        title: '一个半连接',
        say: [
          '我们的 SYN 得到 SYN+ACK，而我们始终不发 ACK：这一项在半连接队列里等待，',
          '不断重传 SYN+ACK（1 秒、2 秒、4 秒……），直到用完 tcp_synack_retries 次。',
        ],
      },
      {
        title: '塞满队列',
        say: [
          '从新端口再发 6 个 SYN，每个间隔 50 毫秒，一个都不完成。队列满了；之后的 SYN',
          '根本得不到回应（计入 TCPReqQFullDrop），它们的客户端会在 1 秒、2 秒……之后重传 SYN',
          '（tcp_syn_retries）。SYN 洪泛攻击就是这样，只是发得比队列项过期还快。',
        ],
      },
      {
        title: '用 SYN cookie 应答',
        say: [
          '打开 tcp_syncookies = 1（Linux 的默认值）后，队列满了也不再丢弃 SYN：目标回一个 SYN+ACK，',
          '它的 ISN 就是一个 cookie（四元组和时间计数器的带密钥哈希，MSS 编码在其中几位里），',
          '而自己什么都不保存：ss 看不到 socket，队列也不会增长。',
        ],
      },
      {
        title: 'cookie 回来了',
        say: [
          '我们的 ACK 确认 ISN+1：目标校验 cookie，据此重建连接，连接进入',
          'ESTABLISHED（SyncookiesRecv）。cookie 装不下的东西（没有时间戳时的窗口扩大因子和 SACK）',
          '就丢失了：这是不保存状态的代价。',
        ],
      },
    ],
    ask: ['目标因为队列已满丢弃了多少个 SYN？又发出了多少个 SYN cookie？'],
    answer: [
      'TCPReqQFullDrop 统计 cookie 关闭时被丢弃的 SYN：它们的客户端什么也没收到，只能重试。',
      'SyncookiesSent 为 1：打开 cookie 后，同样的情况得到了 SYN+ACK；SyncookiesRecv 为 1 是我们把它带回来的 ACK。',
    ],
  },
  'tw-reuse': {
    title: '快速重用 TIME-WAIT 及其风险',
    summary: '有无时间戳时的 tcp_tw_reuse、重新打开 TIME-WAIT 的 SYN，以及混进新连接的旧重复报文',
    intro: (v) => [
      'Linux 的 TIME-WAIT 会占住一个四元组 60 秒。一个不停连接同一个服务器的繁忙客户端会耗尽端口，',
      '所以很多系统会优化相关参数，快速重用处于 TIME-WAIT 的 socket：教学笔记提醒这需要考虑风险。',
      `这里目标是客户端；实验环境只给它的内核一个本地端口（ip_local_port_range ${v.sysctl('ip_local_port_range').replace(/\s+/, '-')}），`,
      `所以它每次连接同一个探测端口都必须重用同一个四元组。tcp_tw_reuse = ${v.sysctl('tcp_tw_reuse')}。`,
    ],
    steps: [
      {
        title: '没有时间戳就不能重用',
        say: [
          '目标的应用连接探测端口 45000（它的 SYN：SYN-SENT）；我们的 SYN+ACK 不提供时间戳。它先关闭，',
          '我们的 FIN 回应它的 FIN：目标用 TIME-WAIT 占住这个四元组（它的端口 33333，我们的端口 45000）60 秒。',
          '它再次连接：connect() 失败，返回 EADDRNOTAVAIL。没有时间戳，内核就分不清旧的重复报文和新报文，',
          '所以 tcp_tw_reuse 不碰这个 TIME-WAIT。',
        ],
      },
      {
        title: '带时间戳的连接',
        say: [
          '这次连接探测端口 45001（另一个四元组）。我们的 SYN+ACK 提供时间戳选项（RFC 7323），',
          '几乎所有协议栈都这样；我们发送 "hello"，它的应用读到后先关闭：又是 TIME-WAIT。',
        ],
      },
      {
        title: '越过 TIME-WAIT 重新连接（tcp_tw_reuse）',
        say: [
          '两秒后它再次连接。它唯一的端口被 TIME-WAIT 占着，但打开了 tcp_tw_reuse、旧连接又有时间戳，',
          '只要旧连接最后的时间戳已超过一秒（tcp_tw_reuse_delay），Linux 就接管这个 TIME-WAIT：',
          'SYN 发出了，ISN 比旧连接发过的任何序号都大。',
        ],
      },
      {
        title: '旧的重复报文，被时间戳挡住（PAWS）',
        say: [
          '我们的 ISN 和上次一样（旧连接走得比时钟还远时，服务器按时钟生成的 ISN 就可能这样），',
          '所以旧连接的序号落在新窗口之内。我们旧的 "hello" 的一个副本在网络中滞留后到达。',
          '它的时间戳比这个连接见过的都旧：PAWS（RFC 7323 第 5 节）丢弃它，应用什么也读不到。',
        ],
      },
      {
        title: '下一个连接，不带时间戳',
        say: [
          '我们在这个连接上发送 "hello"，再用同样的方式关闭它：又是 TIME-WAIT，带时间戳。',
          '它再次连接，这次我们的 SYN+ACK 不提供时间戳：新连接不使用时间戳。',
        ],
      },
      {
        title: '原样的旧重复报文：ACK 暴露了它',
        say: [
          '旧的 "hello" 又到了，和当初发出时一模一样。它的 ACK 字段确认的是旧连接的序号，',
          '远低于新的 ISN（Linux 把它放在旧 SND.NXT 之上 65537 处）：按 RFC 5961 5.2，目标',
          '回一个 ACK 并丢弃它。应用什么也读不到。',
        ],
      },
      {
        title: '没有任何保护时',
        say: [
          '现在同样的旧字节，但带着一个适合这个连接的 ACK（接收方此后已发送了足够多的数据，',
          '或者协议栈没有 RFC 5961 的检查）。没有时间戳，序号在窗口内：目标接收了它，',
          '它的应用读到了属于上一个连接的字节。TIME-WAIT 正是为防止这种事而存在的。',
        ],
      },
      {
        title: '服务端：重新打开 TIME-WAIT 的 SYN',
        say: [
          '另一种缩短 TIME-WAIT 的办法在服务端。目标监听，我们连接，它先关闭：',
          '它用 TIME-WAIT 占住这个四元组。然后我们从同一个端口发来新的 SYN，序号比旧连接的都大：',
          'RFC 9293 允许 TIME-WAIT 把它当作新连接接受（MAY-2；有时间戳时改由更新的时间戳决定，',
          'RFC 6191）。目标回 SYN+ACK，序号同样比它的旧序号大 65537。',
        ],
      },
    ],
    ask: ['本课的哪些连接可能被旧的重复报文破坏？其他连接又是什么保护了它们？'],
    answer: [
      '只有没有时间戳、而旧报文又带着可接受 ACK 的那一个。有时间戳的连接上，PAWS 丢弃了旧副本；',
      '新 ISN 的跳跃让原样副本的 ACK 过旧（RFC 5961 5.2）；旧连接没有时间戳时，',
      'tcp_tw_reuse 根本不重用它的 TIME-WAIT。',
    ],
  },
  'both-sides': {
    title: '状态机的两端：也看客户端的状态',
    summary: '教学笔记的图跟随客户端：把我们自己的状态（SYN-SENT、FIN-WAIT-1/2、TIME-WAIT）和目标的并排显示',
    intro: [
      '笔记的图有两列：客户端（SYN-SENT、ESTABLISHED、FIN-WAIT-1、FIN-WAIT-2、TIME-WAIT）',
      '和服务端。这里我们是客户端：每个报文之后，“probe (us)” 显示我们自己的状态（由我们发送和收到的',
      '报文推出），旁边是 FSM 和内核给出的目标（服务端）的状态。',
    ],
    steps: [
      { title: '双方都关闭，然后服务端监听', say: ['服务端的应用开始监听（LISTEN）；我们什么都还没发，所以是 CLOSED。'] },
      {
        title: 'SYN：我们进入 SYN-SENT',
        say: [
          '发出 SYN 让我们进入 SYN-SENT，目标进入 SYN-RECEIVED。它的 SYN+ACK 确认了我们的 SYN，',
          '这让我们立刻进入 ESTABLISHED（RFC 9293 3.10.7.3）：我们只欠它第三次握手。',
        ],
      },
      { title: 'ACK：双方都 ESTABLISHED', say: ['我们的 ACK 让目标也进入 ESTABLISHED。'] },
      {
        title: '我们先关闭：FIN-WAIT-1，然后 FIN-WAIT-2',
        say: [
          '我们的 FIN 让我们进入 FIN-WAIT-1（笔记里的第一次挥手）。目标对它的 ACK 把我们带到 FIN-WAIT-2',
          '（第二次挥手），目标进入 CLOSE-WAIT：它仍可以发送；我们现在只接收。',
        ],
      },
      {
        title: '服务端的 FIN：我们进入 TIME-WAIT',
        say: [
          '服务端的应用关闭：它的 FIN（第三次挥手）让它进入 LAST-ACK，让我们进入 TIME-WAIT。',
          '我们的 ACK（第四次挥手）让目标关闭；我们要再等 2MSL，端口才能重新使用。',
        ],
      },
    ],
    ask: ['在梯形图里，我们经历过的哪些状态目标从没经历过？为什么？'],
    answer: [
      'SYN-SENT、FIN-WAIT-1、FIN-WAIT-2 和 TIME-WAIT：它们属于先打开、先关闭的一方。',
      '目标是被动打开（LISTEN、SYN-RECEIVED），后关闭（CLOSE-WAIT、LAST-ACK）。',
    ],
  },
  'why-three': {
    title: '为什么建立要三次，关闭要四次',
    summary: '旧的重复 SYN：第三次握手让客户端拒绝它；全双工需要两个 FIN 和两个 ACK',
    intro: [
      '为什么建立连接不用两个报文？一个 SYN 可能是旧的重复报文：一次早已放弃的连接尝试的副本，',
      '在网络里滞留了。只有客户端知道自己是否还想要这个连接；第三次握手就是它表态的地方。',
    ],
    steps: [
      {
        title: '一个旧的重复 SYN',
        say: ['目标在监听。一个来自我们早已放弃的尝试的 SYN 到了（我们发出它来扮演这个旧副本）：', '目标分不出它是旧的，回 SYN+ACK，在 SYN-RECEIVED 中等待。'],
      },
      {
        title: '客户端拒绝它',
        say: [
          '它的 SYN+ACK 确认的是一个我们并没有在尝试的 SYN：如 RFC 9293 图 8 所示，我们回 RST',
          '（seq 等于它的 ack）。目标丢弃这个半连接，回到 LISTEN；它的应用什么都没看到：',
          '`state` 显示它没有接受任何连接。',
        ],
      },
      {
        title: '两次握手会怎样',
        say: [
          '如果是两次握手，SYN+ACK 一发出连接就建立了：没有第三个报文可等。',
          '我们扮演这个世界：旧的 SYN 再来一次，这次没有人反对（我们的 ACK 代替了缺失的',
          '检查）。应用现在拿着一个没人要的连接，还会应答它、保持它。',
        ],
      },
      {
        title: '关闭要四次：全双工',
        say: [
          '关闭需要两个 FIN 和两个 ACK，因为每个方向各自关闭。我们的 FIN 关闭我们这个方向；',
          '目标确认它，但仍然发送数据（它的方向还开着），直到它的应用关闭时才关闭。',
        ],
      },
    ],
    ask: ['在梯形图里，第一个连接的哪些报文是三次握手挡住旧 SYN 所必需的？'],
    answer: [
      '它的 SYN+ACK 和我们的 RST：SYN+ACK 问客户端“这是你发的吗？”，RST 回答“不是”。如果只有两个',
      '报文，目标在发出 SYN+ACK 后就进入 ESTABLISHED，再也无从得知那个 SYN 是旧的。',
    ],
  },
};
